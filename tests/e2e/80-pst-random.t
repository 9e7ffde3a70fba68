#!/usr/bin/env python3
"""Randomized agreement: many random folder trees and messages, and every reader agrees.

test_pst_build DIR random SEED N writes N stores with random trees (up to 40 folders, mixed
Japanese, Cyrillic and astral-plane names, random depth), random messages (bodies up to 25 KB,
recipients, attachments, read flags). Each store must pass pstcheck and list the same folders
and messages in pffexport, readpst, pst-extractor and pstsdk (0 errors, no DISAGREE line) as
the builder says it wrote. The seed is
PST_SEED (default: derived from the time and printed) so a failure can be replayed.
"""
import importlib.machinery
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import wltest  # noqa: E402

readers = importlib.machinery.SourceFileLoader("pst_readers", os.path.join(HERE, "80-pst-readers.t")).load_module()


def main():
    t = wltest.Tap()
    if not os.access(readers.BUILDER, os.X_OK):
        t.skip_all("%s not built" % readers.BUILDER)
    seed = int(os.environ.get("PST_SEED") or int(time.time()) % 100000)
    count = int(os.environ.get("PST_RANDOM_COUNT") or 8)
    print("# PST_SEED=%d PST_RANDOM_COUNT=%d" % (seed, count))
    mods = wltest.pst_extractor_modules()
    with tempfile.TemporaryDirectory() as work:
        p = subprocess.run([readers.BUILDER, work, "random", str(seed), str(count)], capture_output=True)
        t.ok(p.returncode == 0, "test_pst_build writes %d random stores" % count, p.stderr.decode())
        for i in range(count):
            name = "random-%d-%d" % (seed, i)
            pst, exp = readers.check_all(t, work, name, mods)
            readers.check_readpst(t, pst, name, exp, name, work)
            readers.check_walk(t, pst, name, exp, mods)
            readers.check_pstsdk(t, pst, name, exp)
    t.done()


if __name__ == "__main__":
    main()
