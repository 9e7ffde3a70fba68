"""Shared helpers for the end-to-end TAP scripts (run by `prove` from the repository root).

The scripts judge wlmigrate's output with readers that are not our code: Python's `mailbox`
module for mbox files (we undo mboxrd escaping here, as Thunderbird does), `json` for reports,
and the real Thunderbird through tests/tools/tb_oracle.py (TOOLS: the oracles the project carries,
tb_oracle.py, pstcheck.py, pst-walk.js).

Third-party corpora are read in place from ../shared/corpora (CORPORA), which a clone alone does
not have: a script or check that needs them asks corpus_missing() / need_corpus() and skips with
one line naming what is missing, except in CI (CI set), where a skip is a failure.
"""
import hashlib
import json
import mailbox
import os
import re
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(REPO), "shared")
CORPORA = os.path.join(SHARED, "corpora")
TOOLS = os.path.join(REPO, "tests", "tools")
WLMIGRATE = os.environ.get("WLMIGRATE") or os.path.join(REPO, "wlmigrate")
SAMPLES = os.path.join(REPO, "samples")


class Tap:
    """Minimal TAP producer: ok() per assertion, done() prints the plan and exits."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, diag=None):
        self.n += 1
        print(("ok" if cond else "not ok") + " %d - %s" % (self.n, what))
        if not cond:
            self.failed += 1
            if diag is not None:
                for line in str(diag).splitlines()[:40]:
                    print("#   " + line)
        sys.stdout.flush()
        return bool(cond)

    def eq(self, got, want, what):
        return self.ok(got == want, what, "got:  %r\nwant: %r" % (got, want))

    def skip_all(self, why):
        """Skips the script, except in CI, where every reader and oracle must be there: a test
        that turns its judge off can no longer fail."""
        if os.environ.get("CI"):
            print("not ok 1 - required for CI: " + why)
            print("1..1")
            sys.exit(1)
        print("1..0 # SKIP " + why)
        sys.exit(0)

    def skip(self, what, why):
        """One skipped check (a reader not installed); a failure in CI, as for skip_all."""
        if os.environ.get("CI"):
            return self.ok(False, "%s (required for CI: %s)" % (what, why))
        return self.ok(True, "%s # SKIP %s" % (what, why))

    def need_corpus(self, what, *rels):
        """True when every CORPORA/rel exists; otherwise one skipped check `what`, naming the
        missing paths (a failure in CI), and False."""
        missing = corpus_missing(*rels)
        if missing:
            self.skip(what, "corpus missing: " + ", ".join(missing))
            return False
        return True

    def skip_all_without_corpus(self, *rels):
        """Skips the whole script when any CORPORA/rel is absent (a failure in CI)."""
        missing = corpus_missing(*rels)
        if missing:
            self.skip_all("corpus missing: " + ", ".join(missing))

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


def run(*args, check_code=None, **kw):
    """Runs wlmigrate with `args`; returns the CompletedProcess (stdout/stderr as bytes).
    Without an `env` it runs in English whatever the caller's locale (scripts compare its
    English messages); 15-i18n.t passes the environments it tests."""
    if "env" not in kw:
        kw["env"] = {k: v for k, v in os.environ.items() if k != "LANGUAGE"}
        kw["env"]["LC_ALL"] = "C.UTF-8"
    p = subprocess.run([WLMIGRATE, *args], capture_output=True, **kw)
    if check_code is not None and p.returncode != check_code:
        sys.stderr.write(p.stderr.decode("utf-8", "replace"))
    return p


MOZ_LINE = re.compile(rb"^X-Mozilla-(Status|Status2|Keys): ?[^\r\n]*\r?\n")
FROM_QUOTED = re.compile(rb"^>(>*From )", re.M)


def mbox_messages(path):
    """[(envelope line, raw bytes after it)] read with Python's mailbox module, mboxrd undone.

    mailbox.mbox splits at `From ` lines and drops the blank separator line; the bytes it returns
    are still mboxrd-escaped, so one '>' is removed from every ^>+From line, as Thunderbird does."""
    box = mailbox.mbox(path, create=False)
    out = []
    try:
        for key in box.keys():
            msg = box.get_bytes(key, from_=True)
            envelope, _, rest = msg.partition(b"\n")
            out.append((envelope.decode("latin-1"), FROM_QUOTED.sub(rb"\1", rest)))
    finally:
        box.close()
    return out


def split_state_headers(raw):
    """(state headers dict, remaining bytes) for a message written by wlmigrate: the first three
    lines must be X-Mozilla-Status, -Status2 and -Keys, in that order."""
    state = {}
    for name in (b"Status", b"Status2", b"Keys"):
        m = MOZ_LINE.match(raw)
        if not m or m.group(1) != name:
            return None, raw
        value = raw[: m.end()].split(b":", 1)[1].strip()
        state[name.decode()] = value.decode()
        raw = raw[m.end():]
    return state, raw


def sha256_tree(root):
    """{relative path: sha256} of every regular file below root, links not followed."""
    sums = {}
    for dirpath, dirs, files in os.walk(root, followlinks=False):
        for f in files:
            p = os.path.join(dirpath, f)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            with open(p, "rb") as fh:
                sums[os.path.relpath(p, root)] = hashlib.sha256(fh.read()).hexdigest()
    return sums


def grep_tree(root, needle):
    """The files below root whose bytes hold `needle`."""
    hits = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            with open(os.path.join(dirpath, f), "rb") as fh:
                if needle in fh.read():
                    hits.append(os.path.join(dirpath, f))
    return hits


def corpus_missing(*rels):
    """The ones of `rels` (paths below CORPORA) that are absent, as ../shared/corpora/REL; just
    ["../shared/corpora"] when the whole folder is absent (a clone alone)."""
    if not os.path.isdir(CORPORA):
        return [os.path.join("..", "shared", "corpora")]
    return [os.path.join("..", "shared", "corpora", r) for r in rels
            if not os.path.exists(os.path.join(CORPORA, r))]


def have(tool):
    return shutil.which(tool) is not None


def pst_extractor_modules():
    """node_modules holding pst-extractor 1.12.0 for tests/tools/pst-walk.js, installed into
    $BUILD/npm-pst on first use (CI installs it there beforehand); None when impossible."""
    prefix = os.path.join(os.environ.get("BUILD") or os.path.join(REPO, "build"), "npm-pst")
    mods = os.path.join(prefix, "node_modules")
    if os.path.isdir(os.path.join(mods, "pst-extractor")):
        return mods
    if not (have("node") and have("npm")):
        return None
    os.makedirs(prefix, exist_ok=True)
    p = subprocess.run(["npm", "install", "--prefix", prefix, "--no-audit", "--no-fund",
                        "--silent", "pst-extractor@1.12.0"], capture_output=True, timeout=300)
    return mods if p.returncode == 0 else None


def load_json(path):
    with open(path, "rb") as fh:
        return json.load(fh)
