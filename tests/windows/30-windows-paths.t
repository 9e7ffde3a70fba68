#!/usr/bin/env python3
"""Windows paths and the user's own store, under Wine, judged against the Linux build.

- A store that does not exist: the exe exits as Linux does (3).
- samples/wlm-store copied under folders with Japanese names, the whole path longer than 260
  UTF-16 units (MAX_PATH): converted for Thunderbird, the same tree as Linux's of the sample.
- A store under a Japanese folder scanned: the database is read (libesedb, in a process of its
  own, opens it by its whole `\\\\?\\` UTF-16 name, as Wine's file trace shows: no ANSI or 8.3
  name).
- The same store named with forward slashes and `-o` relative to the current directory: the
  same tree; `-o` inside the store spelled in other case: refused (names compare without case).
- `scan --json` with no STORE, the sample planted at the prefix's
  %LOCALAPPDATA%\\Microsoft\\Windows Live Mail: it is found, with the Linux scan's totals.
- `convert --for outlook` with neither STORE nor -o: that store converted into the user's
  Desktop\\wlmigrate-YYYY-MM-DD, the PST in outlook\\, and the last line naming that folder and
  Outlook's File > Open > Outlook Data File.
- `scan --json` with no STORE and HKCU\\Software\\Microsoft\\Windows Live Mail "Store Root" set
  (with `wine reg add`, REG_EXPAND_SZ "%USERPROFILE%\\...") to a second copy: that copy is the
  one found, with the same totals.
What Wine cannot show: Wine's paths are Linux paths underneath, so MAX_PATH is Wine's limit, not
Windows' (the test shows that the program's paths are not cut at 260).
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wintest  # noqa: E402
from wintest import wltest  # noqa: E402

SAMPLE = os.path.join(wintest.SAMPLES, "wlm-store")
LONG_PART = "顧客管理フォルダー・移行作業用の長い名前の保存場所"  # 25 characters


def scan_totals(stdout):
    try:
        stores = json.loads(stdout.decode("utf-8"))["stores"]
    except (ValueError, KeyError):
        return None, None
    if len(stores) != 1:
        return None, [s.get("path") for s in stores]
    return stores[0].get("totals"), stores[0].get("path")


def main():
    t = wltest.Tap()
    wine = wintest.Wine(t)
    work = tempfile.mkdtemp(prefix="wlm-win-paths-")
    try:
        missing = os.path.join(work, "no-such-store")
        ref = wintest.linux("scan", missing)
        got = wine.run("scan", wintest.winpath(missing))
        t.eq(got.returncode, ref.returncode, "a missing store: exit %d as on Linux"
             % ref.returncode)

        deep = work
        while len(wintest.winpath(os.path.join(deep, "wlm-store"))) <= 300:
            deep = os.path.join(deep, LONG_PART)
        store = os.path.join(deep, "wlm-store")
        shutil.copytree(SAMPLE, store, symlinks=True)
        t.ok(len(wintest.winpath(store)) > 260, "the store's Windows path has %d characters"
             % len(wintest.winpath(store)))
        ref_out = os.path.join(work, "ref")
        exe_out = os.path.join(work, "long")
        ref = wintest.linux("convert", SAMPLE, "--for", "thunderbird", "-o", ref_out)
        got = wine.run("convert", wintest.winpath(store), "--for", "thunderbird",
                       "-o", wintest.winpath(exe_out))
        t.eq(got.returncode, ref.returncode, "the long Japanese path: exit %d as on Linux"
             % ref.returncode)
        wintest.same_tree(t, os.path.join(ref_out, "thunderbird"),
                          os.path.join(exe_out, "thunderbird"),
                          "the long Japanese path: the same Thunderbird tree as Linux")

        # the same store named with forward slashes, and relative to the current directory
        # (the exe runs in the test's Wine directory; -o a folder below it, with backslashes)
        slashed = wintest.winpath(store).replace("\\", "/")
        rel_out = os.path.join(wine.tmp, "relative-out")
        got = wine.run("convert", slashed, "--for", "thunderbird", "-o", "relative-out")
        t.eq(got.returncode, ref.returncode, "Z:/... with forward slashes, -o relative: exit %d"
             % ref.returncode)
        wintest.same_tree(t, os.path.join(ref_out, "thunderbird"),
                          os.path.join(rel_out, "thunderbird"),
                          "forward slashes and a relative -o: the same Thunderbird tree")
        # names compare without case, as Windows does: -o inside the store, spelled in other
        # case, is still inside it (Linux would take WLM-STORE for another folder)
        inside = wintest.winpath(os.path.join(os.path.dirname(store), "WLM-STORE", "out"))
        got = wine.run("convert", wintest.winpath(store), "--for", "thunderbird", "-o", inside)
        t.ok(got.returncode == 2 and b"inside" in got.stderr and
             not os.path.exists(os.path.join(store, "out")),
             "-o inside the store in other case: refused (exit 2), nothing written",
             wintest.text(got.stderr))

        ref = wintest.linux("scan", SAMPLE, "--json")
        want_totals, _ = scan_totals(ref.stdout)
        t.ok(want_totals is not None, "the Linux scan of the sample has totals")

        # libesedb, in its own process, opens the database by its whole UTF-16 name (our
        # patched libcfile: CreateFileW), not by an ANSI or 8.3 short name (a short Japanese
        # path: Wine's trace cuts long names before their end)
        short = os.path.join(work, "顧客管理", "wlm-store")
        shutil.copytree(SAMPLE, short, symlinks=True)
        got = wine.run("scan", wintest.winpath(short), "--json", env={"WINEDEBUG": "trace+file"})
        totals, _ = scan_totals(got.stdout)
        opens = [line for line in wintest.text(got.stderr).splitlines()
                 if ":CreateFileW " in line and "Mail.MSMessageStore" in line]
        library = [line for line in opens if "FILE_SHARE_DELETE" not in line]
        t.ok(totals == want_totals and library and
             all(line.split(":CreateFileW ", 1)[1].startswith(r'L"\\\\?\\Z:') and
                 "~" not in line for line in opens),
             "a Japanese path: the database is read, opened by its \\\\?\\ UTF-16 name",
             "\n".join(opens[:6]) or wintest.text(got.stderr)[-800:])
        users = [d for d in glob.glob(os.path.join(wine.prefix, "drive_c", "users", "*"))
                 if os.path.basename(d) != "Public" and os.path.isdir(os.path.join(d, "AppData"))]
        if not t.eq(len(users), 1, "the prefix has one user profile"):
            raise SystemExit(t.done())
        local = os.path.join(users[0], "AppData", "Local", "Microsoft", "Windows Live Mail")
        shutil.copytree(SAMPLE, local, symlinks=True)
        got = wine.run("scan", "--json")
        totals, path = scan_totals(got.stdout)
        t.eq(got.returncode, ref.returncode, "scan with no STORE: exit %d as on Linux"
             % ref.returncode)
        t.ok(totals == want_totals and path and path.endswith("Microsoft/Windows Live Mail"),
             "scan with no STORE finds %LOCALAPPDATA%\\Microsoft\\Windows Live Mail",
             "%s %s\n%s" % (path, totals, wintest.text(got.stderr)))

        # convert with neither STORE nor -o: that store, into Desktop\wlmigrate-<date>, and
        # the last line says where and what to do next (Outlook: open the data file)
        desktop = os.path.join(users[0], "Desktop")
        before = set(os.listdir(desktop)) if os.path.isdir(desktop) else set()
        day_before = time.strftime("wlmigrate-%Y-%m-%d")
        got = wine.run("convert", "--for", "outlook")
        made = sorted(set(os.listdir(desktop)) - before) if os.path.isdir(desktop) else []
        today = made[0] if made and made[0] in (day_before, time.strftime(
            "wlmigrate-%Y-%m-%d")) else day_before  # a run across midnight names either day
        psts = glob.glob(os.path.join(desktop, today, "outlook", "*.pst"))
        lines = [x for x in wintest.text(got.stdout).splitlines() if x.strip()]
        t.ok(got.returncode == ref.returncode and made == [today] and len(psts) == 1,
             "convert with no STORE and no -o: the PST is in Desktop\\%s\\outlook" % today,
             "exit %d, new on the Desktop: %s\n%s" % (got.returncode, made,
                                                       wintest.text(got.stderr)[-400:]))
        t.ok(lines and "Outlook Data File" in lines[-1] and today in lines[-1],
             "convert with no -o: the last line names the folder and File > Open > Outlook "
             "Data File", lines[-3:])

        rooted = os.path.join(users[0], "WLM-Store-Root")
        shutil.copytree(SAMPLE, rooted, symlinks=True)
        p = subprocess.run([wintest.WINE, "reg", "add",
                            "HKCU\\Software\\Microsoft\\Windows Live Mail", "/v", "Store Root",
                            "/t", "REG_EXPAND_SZ", "/d", "%USERPROFILE%\\WLM-Store-Root", "/f"],
                           env=wine.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=120)
        t.eq(p.returncode, 0, "wine reg add sets Store Root")
        got = wine.run("scan", "--json")
        totals, path = scan_totals(got.stdout)
        t.ok(totals == want_totals and path and path.endswith("WLM-Store-Root"),
             "scan with no STORE follows the Store Root registry value (%USERPROFILE% expanded)",
             "%s %s\n%s" % (path, totals, wintest.text(got.stderr)))
    finally:
        wine.close()
        shutil.rmtree(work, ignore_errors=True)
    t.done()


main()
