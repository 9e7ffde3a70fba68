#!/usr/bin/env python3
"""Japanese for the people who use it: the catalog, the locale, the summary and report.txt.

The catalog is judged by GNU gettext's own tools: `msgfmt --check --statistics` must count no
untranslated and no fuzzy message, and a template regenerated from the sources now (`make pot
POT=...`, xgettext) must hold exactly the messages of po/wlmigrate.pot and po/ja.po, so a string
wrapped in _() but left out of the catalog fails here.

The samples are converted with LANG=ja_JP.UTF-8 in an environment that names no other locale
variable: whether or not this machine has generated ja_JP.UTF-8, the summary, the usage errors
and report.txt must be Japanese (their fixed lines are compared with the catalog's msgstr, read
from po/ja.po by this script), and report.json must be the one an English run writes, byte for
byte once the output path is set aside: keys, kinds and sentences stay English for scripts.
"""
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

PO = os.path.join(wltest.REPO, "po", "ja.po")
POT = os.path.join(wltest.REPO, "po", "wlmigrate.pot")
STORE = os.path.join(wltest.SAMPLES, "wlm-store")
CONTACTS = os.path.join(wltest.SAMPLES, "contacts")
JAPANESE = re.compile("[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")


def read_po(path):
    """{msgid: msgstr} of a .po or .pot file (obsolete entries left out)."""
    entries, key, cur, field = {}, None, {}, None
    for line in open(path, encoding="utf-8").read().splitlines() + [""]:
        if line.startswith("msgid "):
            cur, field = {"msgid": "", "msgstr": ""}, "msgid"
        elif line.startswith("msgstr "):
            field = "msgstr"
        elif not line.startswith('"'):
            if cur is not None and field == "msgstr":
                entries[cur["msgid"]] = cur["msgstr"]
                cur, field = None, None
            continue
        if cur is not None and field:
            cur[field] += ast.literal_eval(line[line.index('"'):])
    entries.pop("", None)
    return entries


def fmt_regex(fmt):
    """A regular expression for what a printf format prints (numbers for %zu, text for %s)."""
    parts = re.split(r"%(?:\d+\$)?[-#0 +]*\d*(?:\.\d+)?(?:zu|llu|lld|ld|u|d|s|x)", fmt)
    kinds = re.findall(r"%(?:\d+\$)?[-#0 +]*\d*(?:\.\d+)?(zu|llu|lld|ld|u|d|s|x)", fmt)
    out = re.escape(parts[0])
    for kind, part in zip(kinds, parts[1:]):
        out += (r"\d+" if kind != "s" else ".*?") + re.escape(part)
    return out


# Messages whose Japanese is written like the English: names, codes and bare formats.
SAME_IN_JAPANESE = {"%s", "%s %s%s%s", "wlmigrate %s\n", "STARTTLS", "SSL/TLS", "en"}


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith("LC_") or k in ("LANG", "LANGUAGE"))}
    env.update(extra)
    return env


def convert(out, env, *extra):
    p = wltest.run("convert", STORE, "--contacts", CONTACTS, "--for", "thunderbird", "-o", out,
                   *extra, env=env)
    return p


def main():
    tap = wltest.Tap()
    if not wltest.have("msgfmt") or not wltest.have("xgettext"):
        tap.skip_all("gettext (msgfmt, xgettext) not installed")
    stats = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, PO],
                           capture_output=True, text=True)
    tap.eq(stats.returncode, 0, "msgfmt --check accepts po/ja.po")
    tap.ok(re.fullmatch(r"\d+ translated messages?\.\n", stats.stderr),
           "po/ja.po: every message translated, none fuzzy", stats.stderr)

    work = tempfile.mkdtemp(prefix="i18n-15-")
    try:
        fresh = os.path.join(work, "fresh.pot")
        make = subprocess.run(["make", "-s", "-C", wltest.REPO, "pot", "POT=" + fresh],
                              capture_output=True, text=True)
        tap.eq(make.returncode, 0, "make pot regenerates the template")
        catalog, template = read_po(PO), read_po(POT)
        if make.returncode == 0:
            now = set(read_po(fresh))
            tap.eq(sorted(now - set(template)), [], "every string of the sources is in po/wlmigrate.pot")
            tap.eq(sorted(set(template) - now), [], "po/wlmigrate.pot holds no string the sources lost")
            tap.eq(sorted(now - set(catalog)), [], "every string of the sources is in po/ja.po")
        tap.eq(sorted(k for k, v in catalog.items()
                      if not JAPANESE.search(v) and k not in SAME_IN_JAPANESE), [],
               "every other translation is Japanese")

        ja_out, en_out = os.path.join(work, "ja"), os.path.join(work, "en")
        ja = convert(ja_out, clean_env(LANG="ja_JP.UTF-8"))
        en = convert(en_out, clean_env(LANG="C"))
        tap.eq(ja.returncode, en.returncode, "same exit code in Japanese and in English")
        summary = ja.stdout.decode("utf-8")
        tap.ok(re.match(fmt_regex(catalog["%zu of %zu messages written"]), summary),
               "the summary is Japanese", summary)
        tap.ok(catalog[".\nReport: %s/report.txt\n"].split("%s")[0].strip("。\n") in summary,
               "the summary names the report in Japanese", summary)
        tap.ok("messages written" not in summary, "no English left in the summary", summary)
        # The last line says what to do next with this result, in the same language.
        nxt = [k for k in catalog if k.startswith("Next: close Thunderbird")]
        tap.ok(len(nxt) == 1 and summary.rstrip("\n").split("\n")[-1] ==
               catalog[nxt[0]] % ja_out, "the next step, in Japanese", summary)
        en_summary = en.stdout.decode("utf-8").rstrip("\n").split("\n")
        tap.ok(en_summary[-1].startswith("Next: close Thunderbird, then copy what is in %s/thunderbird/"
                                         % en_out), "the next step names the folder to copy",
               en_summary)
        for target, extra, want in (("outlook", ("-o", os.path.join(work, "ol")),
                                     "choose the .pst file in %s/outlook/" % os.path.join(work, "ol")),
                                    ("thunderbird", ("--profile", os.path.join(work, "np")),
                                     'thunderbird -profile "%s"' % os.path.join(work, "np"))):
            p = wltest.run("convert", STORE, "--for", target, *extra, "--no-contacts",
                           env=clean_env(LANG="C"))
            last = p.stdout.decode("utf-8").rstrip("\n").split("\n")[-1]
            tap.ok(last.startswith("Next: ") and want in last,
                   "--for %s %s: the next step says %r" % (target, extra[0], want), last)

        txt = open(os.path.join(ja_out, "report.txt"), encoding="utf-8").read()
        for msgid in ("wlmigrate report\n================\n\n", "Accounts\n--------\n",
                      "Address books\n-------------\n", "\nProblems\n--------\n",
                      "Folders (found / written: source -> output)\n"
                      "-------------------------------------------\n"):
            tap.ok(catalog[msgid].strip("\n") in txt, "report.txt has %r in Japanese"
                   % msgid.strip("\n").split("\n")[0], txt[:600])
        for msgid in ("\n\nMessages found:          %zu\n", "Messages written:        %zu\n",
                      "Contacts found:          %zu\n", "Contacts written:        %zu\n"):
            tap.ok(re.search(fmt_regex(catalog[msgid].strip("\n")), txt),
                   "report.txt line %r in Japanese" % msgid.strip("\n").split(":")[0])
        report = wltest.load_json(os.path.join(ja_out, "report.json"))
        # Each problem sentence that is a whole catalog message appears translated in report.txt.
        fixed = [p for p in report["problems"] if p["message"] in catalog]
        tap.ok(fixed, "the samples have problems with fixed sentences")
        for p in fixed:
            tap.ok(catalog[p["message"]] in txt, "report.txt: %s sentence in Japanese" % p["kind"])
        # Every problem's line, pieces passed into its sentence included, is Japanese.
        for p in report["problems"]:
            line = next((l for l in txt.splitlines()
                         if re.match(r"\s*!?\s+%s\s+%s: " % (p["kind"], re.escape(p["path"])), l)),
                        None)
            sentence = line.split(p["path"] + ": ", 1)[1] if line else ""
            tap.ok(JAPANESE.search(sentence) and not re.search(r"[a-z]+ [a-z]+ [a-z]+", sentence),
                   "report.txt: the %s sentence has no English left" % p["kind"], line)
        english = [l for l in txt.splitlines() if re.search(r"[A-Za-z]+ [a-z]+ [a-z]+ [a-z]+", l)
                   and not JAPANESE.search(l)]
        tap.eq(english, [], "report.txt has no line of English prose")

        # A profile's account notes: every piece passed into them (the method, "reply-to") in
        # Japanese too, and never the catalog's header (what gettext gives for "").
        prof = os.path.join(work, "profile-ja")
        p = wltest.run("convert", STORE, "--for", "thunderbird", "--profile", prof,
                       "--no-contacts", "-q", env=clean_env(LANG="ja_JP.UTF-8"))
        ptxt = open(os.path.join(prof, "report.txt"), encoding="utf-8").read()
        notes = [l for l in ptxt.splitlines() if "account_created" in l]
        tap.ok(p.returncode in (0, 1) and len(notes) == 2, "the profile's report lists 2 accounts",
               ptxt[:800])
        for l in notes:
            tap.ok(JAPANESE.search(l.split(": ", 1)[1]) and
                   not re.search(r"normal password|reply-to|organization|no authentication", l),
                   "account note wholly Japanese", l)
        for f in ("report.txt", "report.html"):
            for d in (ja_out, prof):
                tap.ok("Project-Id-Version" not in open(os.path.join(d, f), encoding="utf-8").read(),
                       "%s of %s holds no catalog header" % (f, os.path.basename(d)))

        en_json = open(os.path.join(en_out, "report.json"), encoding="utf-8").read()
        ja_json = open(os.path.join(ja_out, "report.json"), encoding="utf-8").read()
        tap.eq(ja_json.replace(ja_out, "OUT"), en_json.replace(en_out, "OUT"),
               "report.json is the same (English) whatever the language")
        tap.eq(wltest.sha256_tree(os.path.join(ja_out, "thunderbird")),
               wltest.sha256_tree(os.path.join(en_out, "thunderbird")),
               "the converted mail and contacts are the same byte for byte whatever the language")

        # The language chosen by --lang and by each variable, on this machine whatever it has.
        usage = wltest.run("convert", env=clean_env(LANG="C"))
        tap.ok(b"no STORE given" in usage.stderr, "LANG=C: English", usage.stderr)
        for name, env, args in (("--lang ja", clean_env(LANG="C"), ("--lang", "ja")),
                                ("--lang=ja", clean_env(), ("--lang=ja",)),
                                ("LC_ALL", clean_env(LC_ALL="ja_JP.UTF-8"), ()),
                                ("LC_MESSAGES", clean_env(LC_MESSAGES="ja_JP.UTF-8"), ()),
                                ("LANGUAGE", clean_env(LANG="C.UTF-8", LANGUAGE="ja"), ())):
            p = wltest.run(*args, "convert", env=env)
            tap.ok(catalog["no STORE given"].encode() in p.stderr and p.returncode == 2,
                   "%s: the usage error in Japanese" % name, p.stderr)
        p = wltest.run("convert", env=clean_env(LANG="ja_JP.UTF-8", LC_ALL="C.UTF-8"))
        tap.ok(b"no STORE given" in p.stderr, "LC_ALL=C.UTF-8 overrides LANG=ja_JP.UTF-8",
               p.stderr)
        p = wltest.run("--lang", "en", "convert", env=clean_env(LANG="ja_JP.UTF-8"))
        tap.ok(b"no STORE given" in p.stderr, "--lang en overrides the locale", p.stderr)
        helptext = wltest.run("--help", env=clean_env(LANG="ja_JP.UTF-8")).stdout.decode()
        tap.ok(catalog["Try 'wlmigrate --help'.\n"] and helptext.startswith("使い方:"),
               "--help in Japanese", helptext[:200])
        version = wltest.run("--version").stdout.decode()
        tap.ok(re.search(r"GMime \d+\.\d+\.\d+, GLib \d+\.\d+\.\d+, libxml2 \d+\.\d+\.\d+, "
                         r"zlib [\d.]+, libesedb \d+", version),
               "--version names the library versions", version)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tap.done()


main()
