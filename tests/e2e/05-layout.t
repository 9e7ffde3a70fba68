#!/usr/bin/env python3
"""tests/tools/check-layout.py: the include and placement rules of doc/ARCHITECTURE.md.

A small synthetic tree (the real doc/ARCHITECTURE.md plus a few tiny .c/.h files per folder, all
obeying the rules, with rule-breaking text hidden in comments, strings and `#if 0`) must pass.
Then each rule is broken once, in a fresh copy, and the script must exit 1 and report exactly that
rule at that file and line. The last test runs the script on the real repository: it fails while
the source files are being moved into the layout, and passes once they are.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wltest  # noqa: E402

SCRIPT = os.path.join(wltest.REPO, "tests", "tools", "check-layout.py")
DOC = os.path.join(wltest.REPO, "doc", "ARCHITECTURE.md")
LINE = re.compile(r"^(\S+):(\d+): ([a-z-]+): ")

# A tree that keeps every rule. Includes use the real spelling (-Isrc -Iformats, or beside).
GOOD = {
    "src/main.c": '#include <stdlib.h>\n#include "cli/convert.h"\n#include "util/error.h"\n'
                  "int main(int argc, char **argv)\n{\n    exit(cli_convert(argc, argv));\n}\n",
    "src/cli/convert.h": "int cli_convert(int argc, char **argv);\n",
    "src/cli/convert.c": '#include <stdio.h>\n#include "cli/convert.h"\n#include "registry.h"\n'
                         '#include "pipeline/pipeline.h"\n#include "report/report.h"\n'
                         "int cli_convert(int argc, char **argv)\n"
                         '{\n    printf("%d\\n", argc);\n    fputs(argv[0], stderr);\n'
                         "    return 0;\n}\n",
    "src/pipeline/pipeline.h": '#include "pipeline/reader.h"\n#include "pipeline/writer.h"\n'
                               "int pipeline_run(void);\n",
    "src/pipeline/reader.h": '#include "model/model.h"\nstruct reader { int x; };\n',
    "src/pipeline/writer.h": '#include "model/model.h"\nstruct writer { int x; };\n',
    "src/pipeline/pipeline.c": '#include "pipeline/pipeline.h"\n#include "report/report.h"\n'
                               '#include "normalize/normalize.h"\n#include "util/buf.h"\n'
                               "/* #include \"mbox/tbwriter.h\" is not needed: see registry.c */\n"
                               "#if 0\n#include \"cli/convert.h\"\nprintf(\"old\");\nexit(1);\n"
                               "#endif\n"
                               'static const char *note = "exit(2) and printf(\\"stdout\\")";\n'
                               "int pipeline_run(void) { return note[0]; } // puts(x), stderr\n",
    "src/normalize/normalize.h": '#include "model/model.h"\nint normalize(void);\n',
    "src/normalize/normalize.c": '#include "normalize/normalize.h"\n#include "normalize/charset.h"\n'
                                 "int normalize(void) { return 0; }\n",
    "src/normalize/charset.h": "int charset_convert(void);\n",
    "src/normalize/charset.c": '#include <iconv.h>\n#include "normalize/charset.h"\n'
                               '#include "util/xalloc.h"\n'
                               'int charset_convert(void) { return iconv_open("UTF-8", "CP1252") '
                               "== (iconv_t)-1; }\n",
    "src/normalize/address.c": '#include "normalize/charset.h"\n'
                               "int address_parse(void) { return charset_convert(); }\n",
    "src/report/report.h": '#include "model/model.h"\nvoid report_print(void);\n',
    "src/report/report.c": '#include <stdio.h>\n#include "report/report.h"\n#include "util/buf.h"\n'
                           'void report_print(void) { fprintf(stdout, "ok\\n"); }\n',
    "src/model/model.h": '#include "util/buf.h"\nstruct model { int x; };\n',
    "src/model/model.c": '#include "model/model.h"\n#include "model/contact.h"\n',
    "src/model/contact.h": "struct contact { int x; };\n",
    "src/util/buf.h": "struct buf { char *p; };\n",
    "src/util/buf.c": '#include "util/buf.h"\n#include "util/xalloc.h"\n'
                      "/* Grows like the PST writer does (see doc/ARCHITECTURE.md). */\n",
    "src/util/xalloc.h": "void *xmalloc(unsigned long n);\n",
    # The files check-layout.py's exception table names: they may print, and must be there.
    "src/util/xalloc.c": '#include <stdio.h>\n#include "util/xalloc.h"\n'
                         'void oom(void) { fprintf(stderr, "out of memory\\n"); }\n',
    # The platform module: the one place that asks which system it is and calls it.
    "src/util/platform.h": "#ifndef PLATFORM_H\n#define PLATFORM_H\nint plat_open_read(const char *p);\n"
                           "#ifdef _WIN32\nint plat_windows_only(void);\n#endif\n#endif\n",
    "src/util/platform.c": '#include <fcntl.h>\n#include <stdio.h>\n#include "util/platform.h"\n'
                           "#ifndef _WIN32\nint plat_open_read(const char *p) "
                           "{ fflush(stdout); return open(p, O_RDONLY); }\n"
                           '#else\nint plat_open_read(const char *p) { return _wopen(p, 0); }\n'
                           "#endif\n",
    "src/util/error.h": "int error_code(void);\n",
    "formats/registry.h": '#include "pipeline/reader.h"\n#include "pipeline/writer.h"\n'
                          "extern const struct reader *readers[];\n",
    "formats/registry.c": '#include "registry.h"\n#include "mbox/tbwriter.h"\n#include "pst/ndb.h"\n'
                          '#include "wlm/msgstore.h"\n#include "vcard/vcard.h"\n#include "csv/csv.h"\n',
    "formats/mbox/mboxrd.h": '#include "util/buf.h"\nint mboxrd(void);\n',
    "formats/mbox/mboxrd.c": '#include "mbox/mboxrd.h"\n',
    "formats/mbox/tbwriter.h": '#include "pipeline/writer.h"\n',
    "formats/mbox/tbwriter.c": '#include "mboxrd.h"\n#include "mbox/tbwriter.h"\n'
                               '#include "report/progress.h"\n',
    "src/report/progress.h": "void progress(void);\n",
    "formats/pst/ndb.h": '#include <stdint.h>\n#include "util/buf.h"\n',
    "formats/pst/ndb.c": '#include "pst/ndb.h"\n#include "pst/ltp.h"\n',
    "formats/pst/ltp.h": '#include "ndb.h"\n',
    "formats/wlm/msgstore.h": '#include "pipeline/reader.h"\n',
    "formats/wlm/msgstore.c": '#include "wlm/msgstore.h"\n#include "normalize/normalize.h"\n',
    "formats/vcard/vcard.h": '#include "model/contact.h"\n',
    "formats/vcard/vcard.c": '#include "vcard.h"\n',
    "formats/csv/csv.h": '#include "model/contact.h"\n',
    "formats/csv/csv.c": '#include "csv/csv.h"\n#include "util/utf8.h"\n',
    "src/util/utf8.h": "int utf8_valid(void);\n",
}

# (what, file, text appended to it, rule it breaks). The text is one line, appended at the end.
BREAKS = [
    ("src/pipeline includes a format", "src/pipeline/pipeline.c", '#include "mbox/tbwriter.h"',
     "include"),
    ("formats/pst includes another format", "formats/pst/ndb.c", '#include "mbox/mboxrd.h"',
     "include"),
    ("formats/wlm includes a command", "formats/wlm/msgstore.c", '#include "cli/convert.h"',
     "include"),
    ("src/pipeline prints", "src/pipeline/pipeline.c", 'void hello(void) { printf("hi\\n"); }',
     "print"),
    ("src/util exits", "src/util/buf.c", "void die(void) { exit(3); }", "exit"),
    ("src/normalize/address.c opens iconv", "src/normalize/address.c",
     'void *cd(void) { return iconv_open("UTF-8", "CP1252"); }', "iconv"),
    ("a comment points outside the repository", "formats/pst/ndb.h",
     "/* see ../../../shared/design/PST.md */", "outside-pointer"),
    ("a file in a folder with no rule", "src/plugins/extra.c", '#include "util/buf.h"', "layout"),
    ("an include of a missing file", "src/report/report.c", '#include "report/nosuch.h"',
     "include-missing"),
    ("#ifdef _WIN32 outside the platform module", "src/util/buf.c", "#ifdef _WIN32", "platform"),
    ("a format asks for MinGW", "formats/pst/ndb.c", "#if defined(__MINGW32__)", "platform"),
    ("a format opens a file itself", "formats/wlm/msgstore.c",
     "int opened(const char *p) { return open(p, 0); }", "syscall"),
    ("fopen outside the platform module", "formats/pst/ndb.c",
     'void *created(void) { return fopen("x.pst", "w+b"); }', "syscall"),
    ("stat in src/util outside the platform module", "src/util/buf.c",
     "int stated(const char *p) { struct stat s; return stat(p, &s); }", "syscall"),
    ("opendir in a format", "formats/csv/csv.c", 'void *listed(void) { return opendir("."); }',
     "syscall"),
    ("rename in the pipeline", "src/pipeline/pipeline.c",
     'int moved(void) { return rename("a", "b"); }', "syscall"),
    ("isatty in the report", "src/report/report.c", "int tty(void) { return isatty(1); }",
     "syscall"),
    ("/dev/urandom named outside the platform module", "formats/pst/ndb.h",
     'static const char *const random_device = "/dev/urandom";', "syscall"),
]


def write_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)


def check(root):
    p = subprocess.run([sys.executable, SCRIPT, root], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def violations(out):
    return [(m.group(1), int(m.group(2)), m.group(3))
            for m in (LINE.match(s) for s in out.splitlines()) if m]


def main():
    t = wltest.Tap()
    if not t.ok(os.path.isfile(DOC) and os.access(SCRIPT, os.X_OK),
                "doc/ARCHITECTURE.md exists and tests/tools/check-layout.py is executable"):
        t.done()
    with open(DOC, encoding="utf-8") as fh:
        doc = fh.read()
    t.ok("<!-- layout-rules:begin -->" in doc and "<!-- layout-rules:end -->" in doc,
         "doc/ARCHITECTURE.md holds the layout-rules markers")

    with tempfile.TemporaryDirectory(prefix="wlm-e2e-05-") as tmp:
        good = os.path.join(tmp, "good")
        write_tree(good, GOOD)
        os.makedirs(os.path.join(good, "doc"))
        shutil.copy(DOC, os.path.join(good, "doc", "ARCHITECTURE.md"))

        # (a) the synthetic tree keeps every rule.
        rc, out, err = check(good)
        t.ok(rc == 0 and len(out.splitlines()) == 1 and not violations(out),
             "a tree that keeps the rules passes with one summary line (includes in comments and "
             "#if 0, printf/exit/stdout in strings and comments do not count)",
             "exit %d\n%s%s" % (rc, out, err))

        # (b) each rule broken once, in its own copy.
        for n, (what, rel, line, rule) in enumerate(BREAKS):
            bad = os.path.join(tmp, "bad-%d" % n)
            shutil.copytree(good, bad)
            path = os.path.join(bad, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            before = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")
            want_line = before.count("\n") + 1
            rc, out, err = check(bad)
            t.eq((rc, violations(out)), (1, [(rel, want_line, rule)]),
                 "%s: exit 1 and exactly `%s:%d: %s:`" % (what, rel, want_line, rule))

        # printf in a comment or a string, in a folder that may not print, does not count; the
        # same call in code does (control for the check above).
        quiet = os.path.join(tmp, "quiet")
        shutil.copytree(good, quiet)
        text = ('/* printf("x"); fflush(stdout); exit(1); fopen(s, "r"); #ifdef _WIN32 */\n'
                'static const char *s = "printf(\\"%s\\", stderr); exit(1) open(_WIN32)";\n'
                "// puts(s); perror(s); stat(s); rename(s, s);\n"
                "static const char c = '\"'; static const char *u = \"/* printf( */\";\n"
                "int quiet(void) { return s[0] + c + u[0]; }\n")
        write_tree(quiet, {"src/model/quiet.c": text})
        rc, out, err = check(quiet)
        t.ok(rc == 0, "printf, stdout, exit in comments and string literals do not count",
             out + err)
        write_tree(quiet, {"src/model/quiet.c": text + 'void loud(void) { printf("x"); }\n'})
        rc, out, err = check(quiet)
        t.eq((rc, violations(out)), (1, [("src/model/quiet.c", 6, "print")]),
             "... while the same printf in code does")

        # A folder with no rule is named as such.
        n = next(k for k, b in enumerate(BREAKS) if b[3] == "layout")
        rc, out, err = check(os.path.join(tmp, "bad-%d" % n))
        t.ok("no rule for src/plugins/extra.c" in out, "the message says \"no rule for\" the file",
             out)

        # The rules come from the document: without the table the script refuses (exit 2).
        notable = os.path.join(tmp, "notable")
        shutil.copytree(good, notable)
        with open(os.path.join(notable, "doc", "ARCHITECTURE.md"), "w", encoding="utf-8") as fh:
            fh.write("# wlmigrate architecture\n\nNo table here.\n")
        rc, out, err = check(notable)
        t.ok(rc == 2 and "layout-rules" in err, "without the rules table: exit 2, says so",
             "exit %d\n%s%s" % (rc, out, err))

    # (c) the real repository. Fails while the move into the layout is in progress.
    rc, out, err = check(wltest.REPO)
    t.ok(rc == 0, "the repository keeps the layout rules of doc/ARCHITECTURE.md", out + err)
    t.done()


if __name__ == "__main__":
    main()
