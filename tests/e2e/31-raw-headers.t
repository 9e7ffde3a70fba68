#!/usr/bin/env python3
"""Raw 8-bit header fields in the real Thunderbird (issue 16, item 4).

A tree of .eml files is built here: Subject, From, To and Cc in raw CP932 and EUC-JP bytes (no
encoded word), with and without a charset in the body, a charset that lies, a multipart whose
charset is only in its text part; beside them the sample's raw Shift_JIS message and, when the
corpora are there, mikel-mail's raw Latin-1 subject. It is converted for Thunderbird twice:
  - by default, each such message is one `repaired_header_charset` repair (never a loss), every
    other byte of the message is as stored, and the headless Thunderbird (tests/tools/tb_oracle.py)
    shows every subject and sender as `wlmigrate show --json` decodes them;
  - with --keep-raw-headers the stored bytes stay (the mbox holds them unchanged) and Thunderbird
    shows some of them otherwise: the measure of what the repair is for.
"""
import email.utils
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

ORACLE = os.path.join(wltest.TOOLS, "tb_oracle.py")
SAMPLE_RAW = os.path.join(wltest.SAMPLES, "wlm-store", "Storage Folders", "Inbox",
                          "2E5B164B-0000000D.eml")
LATIN1 = "mikel-mail/emails/error_emails/invalid_subject_characters.eml"


def sjis(text):
    return text.encode("cp932")


def euc(text):
    return text.encode("euc_jp")


def message(i, subject, sender, to, content_type, body, cc=None, eol=b"\n"):
    lines = [b"Message-ID: <raw-%d@wlmigrate.test>" % i,
             b"Date: Mon, 19 Feb 2024 08:55:%02d +0900" % i,
             b"Subject: " + subject, b"From: " + sender, b"To: " + to]
    if cc:
        lines.append(b"Cc: " + cc)
    lines += [b"MIME-Version: 1.0", b"Content-Type: " + content_type, b"", body]
    return eol.join(lines) + eol


def built_messages():
    """(file name, bytes) of the generated messages."""
    multipart_body = (b"--b1\nContent-Type: text/plain; charset=euc-jp\n\n" + euc("本文です")
                      + b"\n--b1--\n")
    return [
        ("01-sjis-declared.eml",
         message(1, sjis("予定表の件（ソフトボール大会）"), sjis("小林 一郎") + b" <k@example.jp>",
                 b"hana@example.ne.jp", b"text/plain; charset=shift_jis",
                 sjis("佐藤さん、よろしく。"))),
        ("02-sjis-no-charset.eml",
         message(2, sjis("Re: 会議室の予約について①"), sjis("髙橋") + b" <t@example.jp>",
                 sjis("山田 太郎") + b" <y@example.jp>, b@example.jp", b"text/plain",
                 b"plain ASCII body")),
        ("03-euc-mislabelled.eml",
         message(3, euc("見積書の送付"), euc("佐藤 花子") + b" <s@example.jp>",
                 b"x@example.jp", b"text/plain; charset=iso-2022-jp", b"ascii body",
                 cc=euc("鈴木") + b" <suzuki@example.jp>")),
        ("04-euc-multipart.eml",
         message(4, euc("町内清掃の日程変更"), euc("町内会") + b" <c@example.jp>",
                 b"all@example.jp", b"multipart/mixed; boundary=b1", multipart_body)),
        ("05-sjis-crlf.eml",
         message(5, sjis("ｶﾀｶﾅと漢字の件名、少し長めにしてみます。折り返しが要るかどうか"),
                 b"plain@example.jp", b"to@example.jp", b"text/plain",
                 sjis("本文"), eol=b"\r\n")),
    ]


def show(path):
    p = wltest.run("show", path, "--json")
    return json.loads(p.stdout.decode("utf-8")) if p.returncode in (0, 1) else None


def author_of(shown):
    """The first `From` mailbox as (name, address), "" for no name."""
    if not shown["from"]:
        return ("", "")
    a = shown["from"][0]
    return (a["name"] or "", a["address"])


def tb_author(m):
    """Thunderbird's decoded author ("Name <a@b>", "a@b (Name)") as (name, address)."""
    return email.utils.parseaddr(m["author"]) if m else None


def oracle(tree, result):
    p = subprocess.run([sys.executable, ORACLE, tree, result, "--expect-all"],
                       capture_output=True, timeout=900)
    return p, (wltest.load_json(result) if os.path.isfile(result) else None)


def without_repair(raw):
    """A message as the mbox holds it with the re-encoded fields cut out: what must equal the
    source with the same fields cut out."""
    return re.sub(rb"(?mi)^(subject|from|to|cc):[^\n]*\n(?:[ \t][^\n]*\n)*", b"", raw)


def main():
    t = wltest.Tap()
    if not shutil.which("thunderbird"):
        t.skip_all("thunderbird is not installed (apt-get install thunderbird)")
    with tempfile.TemporaryDirectory(prefix="tbprofile-e2e-31-") as tmp:
        inbox = os.path.join(tmp, "store", "Inbox")
        os.makedirs(inbox)
        for name, data in built_messages():
            with open(os.path.join(inbox, name), "wb") as f:
                f.write(data)
        shutil.copy(SAMPLE_RAW, os.path.join(inbox, "06-sample.eml"))
        if t.need_corpus("mikel-mail's raw Latin-1 subject joins the set", LATIN1):
            shutil.copy(os.path.join(wltest.CORPORA, LATIN1), os.path.join(inbox, "07-latin1.eml"))
        sources = sorted(os.listdir(inbox))
        shown = {n: show(os.path.join(inbox, n)) for n in sources}
        t.ok(all(shown.values()), "`show --json` decodes all %d messages" % len(sources))

        results = {}
        for label, extra in (("default", []), ("--keep-raw-headers", ["--keep-raw-headers"])):
            out = os.path.join(tmp, "out" + str(len(results)))
            p = wltest.run("convert", os.path.join(tmp, "store"), "--for", "thunderbird",
                           "-o", out, "--quiet", *extra)
            t.ok(p.returncode == 0, "%s: the conversion succeeds with exit 0 (no loss)" % label,
                 p.stderr.decode("utf-8", "replace"))
            report = wltest.load_json(os.path.join(out, "report.json"))
            repairs = sorted(os.path.basename(x["path"]) for x in report["problems"]
                             if x["kind"] == "repaired_header_charset")
            want = sources if label == "default" else []
            t.eq(repairs, want, "%s: one repaired_header_charset per message" % label)
            t.ok(all(not x["lost"] for x in report["problems"]
                     if x["kind"] == "repaired_header_charset"), "%s: a repair is no loss" % label)
            mbox = os.path.join(out, [f["outputs"][0] for f in report["folders"]
                                      if f["source"].endswith("Inbox")][0])
            # the mbox holds the messages in file name order, as Thunderbird's storeTokens
            stored = dict(zip(sources, (wltest.split_state_headers(raw)[1]
                                        for _, raw in wltest.mbox_messages(mbox))))
            same = []
            for n in sources:
                with open(os.path.join(inbox, n), "rb") as f:
                    src = f.read()
                got = stored.get(n, b"")
                if not re.search(rb"(?mi)^Date:", src):  # the writer adds one (repaired_date)
                    got = re.sub(rb"^Date: [^\n]*\n", b"", got, count=1)
                if label == "default":
                    ok = without_repair(got) == without_repair(src) and got != src
                else:
                    ok = got == src
                if not ok:
                    same.append(n)
            t.ok(not same, "%s: every other header line and the body as stored%s"
                 % (label, "" if extra else " (only the raw fields rewritten)"), same)
            proc, tb = oracle(os.path.join(out, "thunderbird"), os.path.join(tmp, "tb%d.json"
                                                                              % len(results)))
            if not t.ok(proc.returncode == 0 and tb,
                        "%s: Thunderbird read the tree (tb_oracle --expect-all)" % label,
                        proc.stderr.decode("utf-8", "replace")[-2000:]):
                continue
            seen = sorted((m for f in tb["folders"] for m in f.get("messages", [])),
                          key=lambda m: int(m["storeToken"]))
            t.eq(len(seen), len(sources), "%s: Thunderbird lists every message" % label)
            results[label] = dict(zip(sources, seen))

        if "default" in results:
            wrong = []
            for n in sources:
                m = results["default"].get(n)
                s = shown[n]
                if (m is None or m["displaySubject"] != s["subject"]
                        or tb_author(m) != author_of(s)):
                    wrong.append("%s: Thunderbird %r / %r, show %r / %r"
                                 % (n, m and m["displaySubject"], tb_author(m),
                                    s["subject"], author_of(s)))
            t.ok(not wrong, "default: Thunderbird shows the subject and sender of all %d messages "
                 "as `show` decodes them" % len(sources), "\n".join(wrong))
        if "--keep-raw-headers" in results:
            differ = [n for n in sources if results["--keep-raw-headers"].get(n) is None
                      or results["--keep-raw-headers"][n]["displaySubject"] != shown[n]["subject"]
                      or tb_author(results["--keep-raw-headers"][n]) != author_of(shown[n])]
            print("# with --keep-raw-headers Thunderbird shows %d of %d otherwise: %s"
                  % (len(differ), len(sources), ", ".join(differ)))
            t.ok(differ, "--keep-raw-headers: the stored bytes reach Thunderbird (some shown "
                 "otherwise than `show` decodes them)")
    t.done()


main()
