#!/usr/bin/env python3
"""The zip `make windows` packs, and the exe in it started under Wine.

The zip holds wlmigrate.exe, README.txt (UTF-8 with BOM, CRLF only, English and Japanese, the
version filled in), the Japanese catalog at locale/ja/LC_MESSAGES/wlmigrate.mo and a licence text
for every package licenses/SOURCES.txt names. The exe is a PE32+ x86-64 console program whose
only imported DLLs are Windows' own (none of the toolchain's or a library's DLLs: it is static).
Under Wine `--version` exits 0 naming the version of src/cli/cli.c and the libraries built from
Debian 12's sources (GMime 3.2.13, GLib 2.74.6, libxml2 2.9.14), `--lang ja --help` prints the
Linux build's Japanese usage in each of ten runs (the catalog beside the exe is found, and no
thread races with its setup), and an unknown option exits as on Linux.
"""
import os
import re
import struct
import subprocess
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wintest  # noqa: E402
from wintest import wltest  # noqa: E402

BOM = b"\xef\xbb\xbf"
# Every DLL a plain Windows 7 has in System32 that a static mingw-w64 program may import.
SYSTEM_DLLS = {"kernel32.dll", "msvcrt.dll", "advapi32.dll", "shell32.dll", "user32.dll",
               "ole32.dll", "oleaut32.dll", "ws2_32.dll", "shlwapi.dll", "winmm.dll",
               "iphlpapi.dll", "dnsapi.dll", "userenv.dll", "crypt32.dll", "bcrypt.dll",
               "secur32.dll", "gdi32.dll", "comdlg32.dll", "uuid.dll", "ntdll.dll",
               "netapi32.dll", "version.dll", "imm32.dll"}


def version():
    with open(os.path.join(wintest.REPO, "src", "cli", "cli.c"), encoding="utf-8") as fh:
        return re.search(r'#define WLMIGRATE_VERSION "([^"]+)"', fh.read()).group(1)


def pe_machine(data):
    """The machine field of a PE file and whether it is a console (not GUI) program."""
    if data[:2] != b"MZ":
        return None, None
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe:pe + 4] != b"PE\0\0":
        return None, None
    machine = struct.unpack_from("<H", data, pe + 4)[0]
    magic, = struct.unpack_from("<H", data, pe + 24)
    subsystem, = struct.unpack_from("<H", data, pe + 24 + 68)
    return (machine, magic), subsystem


def main():
    t = wltest.Tap()
    zpath = wintest.zip_path()
    if not zpath or not os.path.isfile(zpath):
        t.skip_all("no dist/wlmigrate-*-win64.zip: run `make windows` first")
    v = version()
    t.eq(os.path.basename(zpath), "wlmigrate-%s-win64.zip" % v, "the zip is named by the version")
    with zipfile.ZipFile(zpath) as z:
        names = z.namelist()
        files = {n: z.read(n) for n in names}
    t.ok("wlmigrate.exe" in files and "README.txt" in files
         and "locale/ja/LC_MESSAGES/wlmigrate.mo" in files,
         "wlmigrate.exe, README.txt and the Japanese catalog are in it", names)

    readme = files.get("README.txt", b"")
    t.ok(readme.startswith(BOM), "README.txt starts with a UTF-8 BOM")
    t.eq(readme.count(b"\n"), readme.count(b"\r\n"), "README.txt has CRLF line ends only")
    body = readme[len(BOM):].decode("utf-8", "replace")
    t.ok("wlmigrate %s for Windows" % v in body and "@VERSION@" not in body,
         "README.txt carries the version")
    for words in ((".\\wlmigrate.exe scan", ".\\wlmigrate.exe convert --for outlook",
                   "USB", "PowerShell", "Open Outlook Data File", "Local Folders"),
                  ("展開", "デスクトップ", "Outlook データ ファイルを開く", "ローカルフォルダー")):
        t.ok(all(w in body for w in words), "README.txt says: " + ", ".join(words))

    copying = files.get("COPYING.txt", b"")
    t.ok(b"GNU GENERAL PUBLIC LICENSE" in copying and b"Version 3, 29 June 2007" in copying,
         "COPYING.txt is wlmigrate's licence, the GNU GPL version 3")
    sources = files.get("licenses/SOURCES.txt", b"").decode("utf-8", "replace")
    packages = re.findall(r"(?m)^(\S+) \S+$", sources.replace("\r", ""))
    t.ok(len(packages) >= 9, "licenses/SOURCES.txt lists the source packages", sources)
    missing = [p for p in packages if "licenses/%s.txt" % p not in files]
    t.eq(missing, [], "a licence text for each of them")
    for n in ("licenses/zlib.txt", "licenses/mingw-w64.txt", "licenses/gcc-mingw-w64.txt"):
        t.ok(n in files and len(files[n]) > 500, "%s is there" % n)

    exe = files.get("wlmigrate.exe", b"")
    kind, subsystem = pe_machine(exe)
    t.eq(kind, (0x8664, 0x20b), "wlmigrate.exe is PE32+ for x86-64")
    t.eq(subsystem, 3, "wlmigrate.exe is a console program")
    wine = wintest.Wine(t)
    try:
        p = subprocess.run(["x86_64-w64-mingw32-objdump", "-p", wine.exe], capture_output=True)
        dlls = sorted(set(d.lower() for d in re.findall(r"DLL Name: (\S+)",
                                                          wintest.text(p.stdout))))
        t.ok(dlls and all(d in SYSTEM_DLLS for d in dlls),
             "the exe imports only Windows' own DLLs (it is static)", dlls)

        p = wine.run("--version")
        out = wintest.text(p.stdout)
        t.eq(p.returncode, 0, "wine wlmigrate.exe --version exits 0")
        t.ok(out.startswith("wlmigrate %s" % v), "--version names wlmigrate %s" % v, out)
        t.ok(all(s in out for s in ("3.2.13", "2.74.6", "2.9.14")),
             "--version names GMime 3.2.13, GLib 2.74.6 and libxml2 2.9.14", out)
        # The catalog beside the exe (locale\ja\LC_MESSAGES) is found wherever the zip was
        # unpacked: the Linux build's Japanese usage, line for line.
        ja_ref = wltest.run("--lang", "ja", "--help")
        p = wine.run("--lang", "ja", "--help")
        # Ten times: a thread that static GIO used to start before main() raced with the
        # catalog's setup and made most runs English (tools/windows/patches/).
        runs = [wine.run("--lang", "ja", "--help") for _ in range(10)]
        english = [i for i, p in enumerate(runs)
                   if not (p.returncode == 0 and "使い方" in wintest.text(p.stdout)
                           and p.stdout.replace(b"\r\n", b"\n") == ja_ref.stdout)]
        t.ok(not english, "--lang ja --help is the Linux build's Japanese usage, 10 runs of 10",
             "runs %s differ; the first: %s" % (english, wintest.text(
                 runs[english[0]].stdout)[:400] if english else ""))
        ref = wintest.linux("--no-such-option")
        p = wine.run("--no-such-option")
        t.eq(p.returncode, ref.returncode, "an unknown option exits %d, as on Linux"
             % ref.returncode)
        t.eq(p.stderr.replace(b"\r\n", b"\n"), ref.stderr,
             "an unknown option: the Linux build's words")
    finally:
        wine.close()
    t.done()


main()
