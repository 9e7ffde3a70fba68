"""Shared helpers for the Windows TAP scripts (run by `make windows-test`, after `make windows`).

Each script unzips the real artefact, dist/wlmigrate-VERSION-win64.zip (WLMIGRATE_ZIP overrides),
into a fresh Wine prefix of its own (made by `wineboot --init`, headless, WINEDEBUG=-all; Mono
and Gecko are not installed, nothing here needs them) and runs wlmigrate.exe from there, so the
exe finds its catalog beside it as on the client's PC. The Linux build ($WLMIGRATE) is the
reference: the scripts run both on the same input and compare what they wrote.

Paths given to the exe are Windows paths on Wine's Z: drive (the Linux root), written with
backslashes. What Wine can show: the file API, code pages, console and exit codes as Wine
implements them, close to Windows but not Windows itself.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
import wltest  # noqa: E402,F401  (re-exported for the scripts: Tap, sha256_tree, run ...)

SAMPLES = os.path.join(REPO, "samples")
WINE = next((w for w in ("/usr/lib/wine/wine64", shutil.which("wine64") or "",
                         shutil.which("wine") or "") if w and os.access(w, os.X_OK)), None)


def zip_path():
    if os.environ.get("WLMIGRATE_ZIP"):
        return os.environ["WLMIGRATE_ZIP"]
    found = sorted(glob.glob(os.path.join(REPO, "dist", "wlmigrate-*-win64.zip")))
    return found[-1] if found else None


def winpath(path):
    """The Windows name of a Linux path, on Wine's Z: drive."""
    return "Z:" + os.path.abspath(path).replace("/", "\\")


class Wine:
    """A fresh Wine prefix holding the unzipped artefact; removed by close()."""

    def __init__(self, t):
        self.t = t
        if WINE is None:
            t.skip_all("wine not installed (apt-get install wine wine64)")
        self.zip = zip_path()
        if not self.zip or not os.path.isfile(self.zip):
            t.skip_all("no dist/wlmigrate-*-win64.zip: run `make windows` first")
        self.tmp = tempfile.mkdtemp(prefix="wlm-wine-")
        self.prefix = os.path.join(self.tmp, "prefix")
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DISPLAY", "WAYLAND_DISPLAY", "LANGUAGE")}
        # HOME too: wineboot links the profile's Desktop, Documents ... to $HOME, where a
        # convert without -o would write (Desktop\wlmigrate-<date>)
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(self.home)
        self.env.update(WINEPREFIX=self.prefix, WINEDEBUG="-all", LC_ALL="C.UTF-8",
                        WINEDLLOVERRIDES="mscoree,mshtml=", HOME=self.home)
        # One wineserver for the prefix, started here with its output to /dev/null and kept
        # until close(): a wineserver (or winedevice) started by a run of the exe would inherit
        # that run's stdout and stderr pipes, and reading them would never see their end.
        self.wineserver = shutil.which("wineserver") or "/usr/lib/wine/wineserver64"
        os.makedirs(self.prefix)
        subprocess.run([self.wineserver, "-p"], env=self.env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        p = subprocess.run([WINE, "wineboot", "--init"], env=self.env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        if p.returncode != 0 or not os.path.isdir(os.path.join(self.prefix, "drive_c", "windows")):
            t.ok(False, "a fresh Wine prefix is made (wineboot --init exit %d)" % p.returncode)
            self.close()
            t.done()
        self.dir = os.path.join(self.prefix, "drive_c", "wlmigrate")
        with zipfile.ZipFile(self.zip) as z:
            z.extractall(self.dir)
        self.exe = os.path.join(self.dir, "wlmigrate.exe")

    def run(self, *args, env=None, timeout=900):
        """Runs wlmigrate.exe ARGS under Wine; the CompletedProcess, output as bytes.

        Its output goes to files, not pipes: a Wine process the run starts on demand
        (explorer.exe /desktop) inherits the run's standard handles and outlives it, so a pipe
        would never reach its end."""
        e = dict(self.env, **(env or {}))
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            p = subprocess.run([WINE, self.exe, *args], env=e, stdin=subprocess.DEVNULL,
                               stdout=out, stderr=err, timeout=timeout, cwd=self.tmp)
            out.seek(0)
            err.seek(0)
            return subprocess.CompletedProcess(p.args, p.returncode, out.read(), err.read())

    def start(self, *args, out, err):
        """wlmigrate.exe ARGS started under Wine (a Popen), its output into the files out and
        err (see run for why not pipes)."""
        return subprocess.Popen([WINE, self.exe, *args], env=self.env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, cwd=self.tmp)

    def close(self):
        """Ends the prefix's wineserver (and every Wine process of the prefix) and removes it."""
        subprocess.run([self.wineserver, "-k"], env=self.env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        subprocess.run([self.wineserver, "-w"], env=self.env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        shutil.rmtree(self.tmp, ignore_errors=True)


def same_tree(t, want_root, have_root, what):
    """A check that the files below have_root are those below want_root, byte for byte, names
    included (the Linux build's tree against the exe's)."""
    want = wltest.sha256_tree(want_root)
    have = wltest.sha256_tree(have_root)
    return t.ok(len(want) > 2 and have == want, "%s (%d files)" % (what, len(want)),
                "only Linux: %s\nonly Windows or different: %s" % (
                    sorted(set(want) - set(have)),
                    sorted(n for n in have if want.get(n) != have[n])))


def add_messages(folder, n):
    """n small messages in `folder` under names the database does not list (the Recovered
    folder): a store that takes the exe a few seconds, to be stopped or killed while it runs."""
    for i in range(n):
        with open(os.path.join(folder, "3F%06X-%08X.eml" % (i, i)), "wb") as f:
            f.write(b"From: a@example.com\r\nSubject: m%d\r\n"
                    b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody %d\r\n" % (i, i))


def process_with(needle):
    """The pid of a process whose command line holds every string of `needle`, or None. Wine
    shows a Windows process' command line as its Linux one."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        if all(n in cmd for n in needle):
            return int(pid)
    return None


def wait_for(cond, run, timeout=120):
    """Polls cond() every 10 ms while the Popen `run` lives, at most `timeout` seconds: its
    last answer."""
    end = time.monotonic() + timeout
    got = cond()
    while not got and time.monotonic() < end and run.poll() is None:
        time.sleep(0.01)
        got = cond()
    return got


def linux(*args):
    """Runs the Linux build (the reference) in English."""
    return wltest.run(*args)


def convert_both(wine, work, store, extra, target):
    """samples/`store` converted for `target` by the Linux build and by the exe, with `extra`
    options (a "samples/..." one made absolute, and a Windows path for the exe): the Linux and the
    exe runs and their output directories, below `work`."""
    src = os.path.join(SAMPLES, store)
    ref_out = os.path.join(work, store + "-linux")
    exe_out = os.path.join(work, store + "-windows")
    ref_extra = [os.path.join(REPO, a) if a.startswith("samples/") else a for a in extra]
    exe_extra = [winpath(a) if a.startswith("/") else a for a in ref_extra]
    ref = linux("convert", src, *ref_extra, "--for", target, "-o", ref_out)
    got = wine.run("convert", winpath(src), *exe_extra, "--for", target, "-o", winpath(exe_out))
    return ref, got, ref_out, exe_out


def text(b):
    return b.decode("utf-8", "replace")
