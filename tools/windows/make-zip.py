#!/usr/bin/env python3
"""Packs the Windows zip: wlmigrate.exe, README.txt, the message catalogs and the licences.

The technician unzips it onto a USB stick or the Desktop and reads README.txt in Notepad, so every
text file in it is UTF-8 with a BOM and CRLF line ends (Notepad of Windows 7 needs both). The
README comes from dist/README.txt.in with @VERSION@ filled in. The zip is the same bytes for the
same inputs: entries sorted, every time stamp that of the last commit (SOURCE_DATE_EPOCH when
set), no extra fields. Layout (no top folder: Explorer's "Extract All" makes one named after the
zip):
    wlmigrate.exe
    README.txt
    COPYING.txt                              (wlmigrate's licence: the GNU GPL, version 3)
    locale/LANG/LC_MESSAGES/wlmigrate.mo     (the catalog beside the exe, found by i18n.c)
    licenses/NAME.txt, licenses/SOURCES.txt
"""
import argparse
import os
import subprocess
import sys
import time
import zipfile

BOM = b"\xef\xbb\xbf"


def windows_text(data):
    """UTF-8 with BOM and CRLF, whatever the line ends and BOM of the input."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    data.decode("utf-8")  # a text file that is not UTF-8 is a packaging error
    return BOM + data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def stamp():
    """The zip's date: SOURCE_DATE_EPOCH, else the last commit's, else now."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        t = int(os.environ["SOURCE_DATE_EPOCH"])
    else:
        p = subprocess.run(["git", "log", "-1", "--format=%ct"], capture_output=True, text=True)
        t = int(p.stdout.strip()) if p.returncode == 0 and p.stdout.strip() else int(time.time())
    return time.gmtime(max(t, 315532800))[:6]  # zip dates start in 1980


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--exe", required=True)
    ap.add_argument("--readme", required=True, help="README.txt.in")
    ap.add_argument("--catalogs", required=True, help="LANG/LC_MESSAGES/wlmigrate.mo below it")
    ap.add_argument("--licenses", required=True, help="a folder of NAME.txt")
    ap.add_argument("--copying", required=True, help="wlmigrate's own licence (COPYING)")
    args = ap.parse_args()

    entries = {}  # name in the zip -> bytes
    with open(args.exe, "rb") as fh:
        entries["wlmigrate.exe"] = fh.read()
    with open(args.readme, "rb") as fh:
        entries["README.txt"] = windows_text(fh.read().replace(b"@VERSION@",
                                                               args.version.encode()))
    for lang in sorted(os.listdir(args.catalogs)):
        mo = os.path.join(args.catalogs, lang, "LC_MESSAGES", "wlmigrate.mo")
        if os.path.isfile(mo):
            with open(mo, "rb") as fh:
                entries["locale/%s/LC_MESSAGES/wlmigrate.mo" % lang] = fh.read()
    with open(args.copying, "rb") as fh:
        entries["COPYING.txt"] = windows_text(fh.read())
    licences = sorted(f for f in os.listdir(args.licenses) if f.endswith(".txt"))
    if "SOURCES.txt" not in licences or len(licences) < 2:
        sys.exit("make-zip: %s has no licence texts or no SOURCES.txt" % args.licenses)
    for name in licences:
        with open(os.path.join(args.licenses, name), "rb") as fh:
            entries["licenses/" + name] = windows_text(fh.read())
    if not any(n.startswith("locale/") for n in entries):
        sys.exit("make-zip: no catalog below %s" % args.catalogs)

    date = stamp()
    tmp = args.out + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=date)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # MS-DOS: no Unix modes, as a zip made on Windows
            z.writestr(info, entries[name])
    os.replace(tmp, args.out)
    size = os.path.getsize(args.out)
    print("%s: %d files, %.1f MB (wlmigrate.exe %.1f MB)" % (
        args.out, len(entries), size / 1e6, len(entries["wlmigrate.exe"]) / 1e6))


if __name__ == "__main__":
    main()
