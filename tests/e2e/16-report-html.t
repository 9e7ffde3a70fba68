#!/usr/bin/env python3
"""OUT/report.html, the page for the client, read by a real browser.

The samples are converted in Japanese (and for Outlook in English); headless Chromium opens each
page from disk (`--dump-dom`, the document after the browser has parsed it, and `--screenshot`).
The page must stand alone (no script, no external resource, its style inline, print CSS for A4)
and its text, as the browser parsed it, must show every number report.json holds: the totals,
each folder's row (found, written, unread, flagged, bytes, matched by its source path), each
account's ports, each address book's counts. Unread and flagged are also checked against the
Thunderbird mbox files themselves (X-Mozilla-Status, read by this script): a folder's unread
count is its messages without the read bit, its flagged count those with the marked bit.
"""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

STORE = os.path.join(wltest.SAMPLES, "wlm-store")
CONTACTS = os.path.join(wltest.SAMPLES, "contacts")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Page(html.parser.HTMLParser):
    """The page's text, its table rows as lists of cell texts, and the tags and attributes it
    uses."""

    def __init__(self):
        super().__init__()
        self.text, self.rows, self.tags, self.urls = [], [], set(), []
        self.row, self.cell = None, None

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]
        if tag == "tr":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        self.text.append(data)
        if self.cell is not None:
            self.cell.append(data)


def numbers(value):
    """Every number in a JSON value (booleans are not numbers)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in numbers(v)]
    return []


def mbox_state(out, report):
    """{folder source: (unread, flagged)} from the Thunderbird mbox files of the result."""
    state = {}
    for f in report["folders"]:
        unread = flagged = 0
        for output in f["outputs"]:
            path = os.path.join(out, output)
            if not os.path.isfile(path):
                continue
            for _, raw in wltest.mbox_messages(path):
                m = re.search(rb"^X-Mozilla-Status: ([0-9A-Fa-f]{4})", raw, re.M)
                bits = int(m.group(1), 16) if m else 0
                unread += not bits & 0x0001
                flagged += bool(bits & 0x0004)
        state[f["source"]] = (unread, flagged)
    return state


def check_page(tap, name, out, shot):
    report = wltest.load_json(os.path.join(out, "report.json"))
    page_path = os.path.join(out, "report.html")
    raw = open(page_path, encoding="utf-8").read()
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                          "--dump-dom", "file://" + page_path],
                         capture_output=True, text=True, timeout=120)
    tap.eq(dom.returncode, 0, "%s: Chromium opens report.html" % name)
    page = Page()
    page.feed(dom.stdout)
    text = " ".join(page.text)
    tap.ok("script" not in page.tags and "link" not in page.tags and not page.urls,
           "%s: no script, no link, no external resource" % name, (page.tags, page.urls))
    tap.ok("@page{size:A4" in raw and "@media print" in raw, "%s: print CSS for A4" % name)
    tokens = set(re.findall(r"\d+", text))
    missing = sorted({n for n in numbers(report) if str(n) not in tokens})
    tap.eq(missing, [], "%s: every number report.json holds is on the page" % name)
    rows = {r[0]: r for r in page.rows if r}
    for f in report["folders"]:
        row = rows.get(f["source"])
        want = [str(f[k]) for k in ("found", "written", "unread", "flagged", "bytes")]
        tap.ok(row is not None and row[2:7] == want and row[1].split("\n") == f["outputs"],
               "%s: folder row %s" % (name, f["source"]), (row, want))
    t = report["totals"]
    summary = [r for r in page.rows if len(r) == 8 and r[0].isdigit()]
    tap.eq(summary[:1], [[str(t[k]) for k in ("messages_found", "messages_written",
                                              "messages_not_converted", "messages_repaired",
                                              "contacts_found", "contacts_written", "problems",
                                              "problems_with_loss")]],
           "%s: the totals row" % name)
    for p in report["problems"]:
        tap.ok(any(r[1:3] == [p["kind"], p["path"]] for r in page.rows),
               "%s: problem %s %s listed" % (name, p["kind"], p["path"]))
    for a in report["accounts"]:
        tap.ok(a["server"] in text and (not a["smtp_server"] or a["smtp_server"] in text)
               and (not a["user_name"] or a["user_name"] in text),
               "%s: settings of account %s" % (name, a["name"]))
    shot_run = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                               "--hide-scrollbars", "--window-size=1000,1400",
                               "--screenshot=" + shot, "file://" + page_path],
                              capture_output=True, text=True, timeout=120)
    tap.ok(shot_run.returncode == 0 and os.path.isfile(shot)
           and open(shot, "rb").read(8) == b"\x89PNG\r\n\x1a\n",
           "%s: Chromium takes a screenshot" % name, shot_run.stderr[-800:])
    return report, page, text


def main():
    tap = wltest.Tap()
    if not CHROMIUM:
        tap.skip_all("chromium not installed")
    work = tempfile.mkdtemp(prefix="i18n-16-")
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LC_") and k != "LANGUAGE"}
        env["LANG"] = "ja_JP.UTF-8"
        ja = os.path.join(work, "ja")
        p = wltest.run("convert", STORE, "--contacts", CONTACTS, "--for", "thunderbird", "-o", ja,
                       "-q", env=env)
        tap.ok(p.returncode in (0, 1), "convert --for thunderbird in Japanese", p.stderr)
        report, page, text = check_page(tap, "thunderbird, ja", ja, os.path.join(work, "ja.png"))
        tap.ok('<html lang="ja">' in open(os.path.join(ja, "report.html"), encoding="utf-8").read()
               and "メール移行レポート" in text and "新しいメールソフトに入力する設定" in text,
               "thunderbird, ja: the page is Japanese")
        tap.ok(any(a["gmail"] for a in report["accounts"]) and "2022 年 5 月 30 日" in text
               and "OAuth2" in text and "アプリ パスワード" in text,
               "thunderbird, ja: the Gmail account's OAuth / app-password steps")
        state = mbox_state(ja, report)
        tap.eq({f["source"]: (f["unread"], f["flagged"]) for f in report["folders"]}, state,
               "unread and flagged per folder equal the mbox files' X-Mozilla-Status")
        tap.ok(any(u or f for u, f in state.values()), "the samples have unread or flagged mail")

        en = os.path.join(work, "en")
        p = wltest.run("convert", STORE, "--for", "outlook", "-o", en, "-q", "--lang", "en")
        tap.ok(p.returncode in (0, 1), "convert --for outlook in English", p.stderr)
        _, _, text = check_page(tap, "outlook, en", en, os.path.join(work, "en.png"))
        tap.ok("Mail migration report" in text and "Open Outlook Data File" in text,
               "outlook, en: the page is English and says how Outlook opens the PST")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tap.done()


main()
