#!/usr/bin/env python3
"""Checks that the C sources keep to the layout described in doc/ARCHITECTURE.md.

Why: the folders (src/util, src/pipeline, formats/<format>, ...) only mean something while the
includes between them follow the rules; this script reads the rules table from the document
itself (between `<!-- layout-rules:begin -->` and `<!-- layout-rules:end -->`), so the document
and the check cannot disagree. For every .c/.h file under src/ and formats/ it checks:

  layout           the file lies in a folder that exactly one rule names
  include          each quoted include resolves (beside the file, then src/, then formats/, as the
                   compiler's -Isrc -Iformats does) to a file in a folder the rule allows
  include-missing  ... and resolves to something at all
  print            only src/cli/ and src/report/ name stdout/stderr or call printf, puts, putchar,
                   perror, vprintf
  exit             exit(), _exit(), _Exit(), quick_exit() only in src/main.c
  iconv            <iconv.h> and iconv_open only in src/normalize/charset.c
  platform         `_WIN32` (and the other names that ask which system it is: _WIN64,
                   __MINGW32__, __MINGW64__, _MSC_VER, __CYGWIN__) only in src/util/platform.c
                   and src/util/platform.h, the one place that knows the operating system
  syscall          the system's file, directory, console, signal and process calls (fopen,
                   open, opendir, stat, lstat, rename, unlink, mkdir, rmdir, fsync, realpath,
                   isatty, kill, fork, ...) and the device paths (/dev/urandom, /dev/null,
                   /proc/self) only in src/util/platform.c: everything else calls plat_*()
  outside-pointer  no comment points outside the repository (../shared, shared/design, ../../)

Comments, string literals and `#if 0` blocks do not count (except for outside-pointer, which looks
only at comments). Violations are printed as `path:line: rule: explanation`, exit status 1; with
none, one summary line and exit status 0; a missing or malformed rules table is exit status 2.

Usage: check-layout.py [ROOT]     (default: the repository holding this script)
"""
import os
import re
import sys

DOC = "doc/ARCHITECTURE.md"
BEGIN = "<!-- layout-rules:begin -->"
END = "<!-- layout-rules:end -->"
TOP = ("src", "formats")            # the trees checked, and the include search path after "beside"
PRINT_OK = ("src/cli/", "src/report/")
EXIT_OK = ("src/main.c",)
ICONV_OK = ("src/normalize/charset.c",)
PLATFORM_OK = ("src/util/platform.c", "src/util/platform.h")
SYSCALL_OK = ("src/util/platform.c",)

# Allowed exceptions: (rule, path relative to ROOT, reason), each with the reason it cannot be
# otherwise; an entry that no longer matches anything is reported, so the table cannot rot.
EXCEPTIONS = [
    ("print", "src/util/platform.c",
     "the console itself: stdout and stderr relayed to WriteConsoleW on Windows, and stdout "
     "pointed at the null device while libytnef runs (the library prints its complaints with "
     "printf, and they must not land in `show` or `--json` output)"),
    ("print", "src/util/xalloc.c",
     "the one out-of-memory message before abort(): no caller is left to print it"),
]

PRINT_RE = re.compile(r"\b(stdout|stderr)\b|(?<!\.)(?<!->)\b(printf|puts|putchar|perror|vprintf)\s*\(")
EXIT_RE = re.compile(r"(?<!\.)(?<!->)\b(exit|_exit|_Exit|quick_exit)\s*\(")
ICONV_RE = re.compile(r"\biconv_open\b")
PLATFORM_RE = re.compile(r"\b(_WIN32|_WIN64|__MINGW32__|__MINGW64__|_MSC_VER|__CYGWIN__)\b")
SYSCALL_RE = re.compile(
    r"(?<!\.)(?<!->)\b(fopen|freopen|fdopen|open|openat|creat|opendir|fdopendir|readdir|"
    r"scandir|nftw|ftw|stat|lstat|fstat|fstatat|statx|access|faccessat|rename|renameat|"
    r"renameat2|unlink|unlinkat|remove|mkdir|mkdirat|rmdir|fsync|fdatasync|sync_file_range|"
    r"realpath|readlink|readlinkat|getcwd|chdir|chmod|fchmod|symlink|link|truncate|ftruncate|"
    r"pread|pwrite|flock|lockf|fcntl|tmpfile|mkstemp|mkdtemp|isatty|ttyname|kill|raise|getpid|"
    r"getppid|fork|vfork|execv|execvp|execve|posix_spawn|popen|system|signal|sigaction|"
    r"setenv|unsetenv|putenv|getrandom|dup|dup2|dup3|pipe|pipe2)\s*\(")
DEVICE_RE = re.compile(r"/dev/urandom|/dev/random|/dev/null|/dev/tty|/proc/self")
OUTSIDE_RE = re.compile(r"\.\./shared|shared/design|\.\./\.\./")
INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*(?:"([^"\n]*)"|<([^>\n]*)>)')
COND_RE = re.compile(r"^[ \t]*#[ \t]*(ifdef|ifndef|if|elifdef|elifndef|elif|else|endif)\b(.*)$")
TICKED = re.compile(r"`([^`]+)`")


class DocError(Exception):
    pass


# --- the rules table -------------------------------------------------------------------------------

class Rule:
    """One row of the table: folder patterns (a folder, `P/*` each subfolder of P, or a file) and
    the may-include entries (a folder, a file, `P/*` any subfolder of P, `P/self` the file's own)."""

    def __init__(self, line, folders, allows):
        self.line, self.folders, self.allows = line, folders, allows

    def name(self):
        return ", ".join(self.folders)


def is_file_pattern(p):
    return p.endswith(".c") or p.endswith(".h")


def parse_rules(root):
    path = os.path.join(root, DOC)
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError as e:
        raise DocError("%s: cannot read: %s" % (DOC, e.strerror))
    try:
        b = next(i for i, s in enumerate(lines) if s.strip() == BEGIN)
        e = next(i for i, s in enumerate(lines) if s.strip() == END and i > b)
    except StopIteration:
        raise DocError("%s: no %s ... %s block" % (DOC, BEGIN, END))
    rules, header = [], None
    for n in range(b + 1, e):
        s = lines[n].strip()
        if not s:
            continue
        if not s.startswith("|"):
            raise DocError("%s:%d: not a table row inside the layout-rules block" % (DOC, n + 1))
        cells = [c.strip() for c in s.strip("|").split("|")]
        if header is None:
            header = [c.lower() for c in cells[:3]]
            if header != ["folder", "may include", "why"]:
                raise DocError("%s:%d: the table's columns must be `folder | may include | why`"
                               % (DOC, n + 1))
            continue
        if all(re.fullmatch(r":?-+:?", c) for c in cells):
            continue
        if len(cells) < 3:
            raise DocError("%s:%d: a row needs folder, may include and why" % (DOC, n + 1))
        folders = TICKED.findall(cells[0])
        allows = TICKED.findall(cells[1])
        if not folders:
            raise DocError("%s:%d: no `folder` in the first column" % (DOC, n + 1))
        for p in folders + allows:
            if p.split("/")[0] not in TOP or p.endswith("/") or "//" in p or ".." in p.split("/"):
                raise DocError("%s:%d: `%s` is not a path under src/ or formats/" % (DOC, n + 1, p))
        for a in allows:
            if a.endswith("/self") and not any(f == a[:-len("self")] + "*" for f in folders):
                raise DocError("%s:%d: `%s` only makes sense in the row of `%s*`"
                               % (DOC, n + 1, a, a[:-len("self")]))
        rules.append(Rule(n + 1, folders, allows))
    if not rules:
        raise DocError("%s: the layout-rules table has no rows" % DOC)
    return rules


def folder_matches(pattern, rel):
    """The own-folder of `rel` under `pattern` ("" for a file pattern), or None if no match."""
    d = os.path.dirname(rel)
    if is_file_pattern(pattern):
        return "" if rel == pattern else None
    if pattern.endswith("/*"):
        parent = pattern[:-2]
        return d if os.path.dirname(d) == parent and d != parent else None
    return d if d == pattern else None


def allowed(rule, own, target):
    """Whether a file under `rule` (own folder `own`) may include `target` (relative to ROOT)."""
    d = os.path.dirname(target)
    if (own and d == own) or target in rule.folders:
        return True
    for a in rule.allows:
        if is_file_pattern(a):
            if target == a:
                return True
        elif a.endswith("/*"):
            if os.path.dirname(d) == a[:-2] and d != a[:-2]:
                return True
        elif a.endswith("/self"):
            if own and d == own:
                return True
        elif d == a:
            return True
    return False


# --- reading C -------------------------------------------------------------------------------------

def lex(text):
    """(code without comments, code without comments and string/char contents, comments) where the
    two code views keep every newline (so line numbers hold) and comments are (line, text)."""
    a, b, comments = [], [], []
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        nx = text[i + 1] if i + 1 < n else ""
        if c == "/" and nx == "/":
            j = i
            while j < n and not (text[j] == "\n" and text[j - 1] != "\\"):
                j += 1
            body = text[i:j]
        elif c == "/" and nx == "*":
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            body = text[i:j]
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j, n)
            closed = j < n and text[j] == c
            lit = text[i:j + 1] if closed else text[i:j]
            a.append(lit)
            b.append(c + re.sub(r"[^\n]", " ", lit[1:len(lit) - closed]) + (c if closed else ""))
            j += closed
            line += lit.count("\n")
            i = j
            continue
        else:
            a.append(c)
            b.append(c)
            if c == "\n":
                line += 1
            i += 1
            continue
        comments.append((line, body))
        blank = re.sub(r"[^\n]", " ", body)
        a.append(blank)
        b.append(blank)
        line += body.count("\n")
        i = j
    return "".join(a), "".join(b), comments


def literal(expr):
    e = expr.strip()
    while e.startswith("(") and e.endswith(")"):
        e = e[1:-1].strip()
    return {"0": 0, "1": 1}.get(e)


def live_lines(code_lines):
    """For each line, whether it is outside `#if 0` (and outside the `#else` of `#if 1`); directive
    lines themselves count as not live."""
    live, stack, skip = [], [], False
    for s in code_lines:
        m = COND_RE.match(s)
        if not m:
            live.append(not skip)
            continue
        kw, rest = m.group(1), m.group(2)
        if kw in ("if", "ifdef", "ifndef"):
            c = literal(rest) if kw == "if" else None
            stack.append([skip, {0: False, 1: True}.get(c)])     # [outer skip, a branch taken?]
            skip = skip or c == 0
        elif stack and kw in ("elif", "elifdef", "elifndef"):
            outer, taken = stack[-1]
            c = literal(rest) if kw == "elif" else None
            if taken is True:
                skip = True
            else:
                skip = outer or c == 0
                stack[-1][1] = True if (taken is False and c == 1) else (
                    False if (taken is False and c == 0) else None)
        elif stack and kw == "else":
            outer, taken = stack[-1]
            skip = True if taken is True else outer
        elif stack and kw == "endif":
            skip = stack.pop()[0]
        live.append(False)
    return live


# --- the checks ------------------------------------------------------------------------------------

def c_files(root):
    for top in TOP:
        base = os.path.join(root, top)
        for dirpath, dirs, files in os.walk(base):
            dirs.sort()
            for f in sorted(files):
                if f.endswith(".c") or f.endswith(".h"):
                    full = os.path.join(dirpath, f)
                    if os.path.isfile(full):
                        yield os.path.relpath(full, root).replace(os.sep, "/")


def resolve(root, rel, name):
    """The file a quoted include names, relative to ROOT (possibly starting with ../), or None."""
    for base in [os.path.dirname(rel)] + list(TOP):
        cand = os.path.normpath(os.path.join(root, base, name))
        if os.path.isfile(cand):
            return os.path.relpath(cand, root).replace(os.sep, "/")
    return None


def check(root):
    rules = parse_rules(root)
    out = []                                    # (path, line, rule, explanation)
    nfiles = nincludes = 0
    for rel in c_files(root):
        nfiles += 1
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        no_comments, code, comments = lex(text)
        a_lines, b_lines = no_comments.split("\n"), code.split("\n")
        live = live_lines(b_lines)

        hits = [(r, own) for r in rules for p in r.folders
                for own in [folder_matches(p, rel)] if own is not None]
        rule = own = None
        if not hits:
            out.append((rel, 1, "layout", "no rule for %s (folder %s/) in %s"
                        % (rel, os.path.dirname(rel), DOC)))
        elif len(hits) > 1:
            out.append((rel, 1, "layout", "%s matches %d rules in %s (lines %s); it must match one"
                        % (rel, len(hits), DOC, ", ".join(str(r.line) for r, _ in hits))))
        else:
            rule, own = hits[0]

        for ln, (s, c, ok) in enumerate(zip(a_lines, b_lines, live), 1):
            if not ok:
                continue
            m = INCLUDE_RE.match(s)
            if m and m.group(1) is not None:
                nincludes += 1
                name = m.group(1)
                target = resolve(root, rel, name)
                if target is None:
                    out.append((rel, ln, "include-missing", '"%s" is neither beside the file nor '
                                "in src/ or formats/" % name))
                elif rule is not None and not allowed(rule, own, target):
                    where = os.path.dirname(target) or "."
                    if target.split("/")[0] not in TOP:
                        where = "outside src/ and formats/"
                    out.append((rel, ln, "include", '"%s" is %s (%s); %s may include only %s'
                                % (name, target, where, rule.name(),
                                   ", ".join(rule.allows) or "its own files")))
            if m and (m.group(1) or m.group(2) or "").strip() == "iconv.h":
                if rel not in ICONV_OK:
                    out.append((rel, ln, "iconv", "<iconv.h> outside %s; convert charsets through "
                                "normalize/charset.h" % " ".join(ICONV_OK)))
            if m:
                continue
            if not rel.startswith(PRINT_OK):
                for pm in PRINT_RE.finditer(c):
                    what = pm.group(1) or pm.group(2) + "()"
                    out.append((rel, ln, "print", "%s outside %s; return the text or an error and "
                                "let the command or the report print it"
                                % (what, " and ".join(PRINT_OK))))
            if rel not in EXIT_OK:
                for em in EXIT_RE.finditer(c):
                    out.append((rel, ln, "exit", "%s() outside %s; return an error instead"
                                % (em.group(1), " ".join(EXIT_OK))))
            if rel not in ICONV_OK and ICONV_RE.search(c):
                out.append((rel, ln, "iconv", "iconv_open outside %s; convert charsets through "
                            "normalize/charset.h" % " ".join(ICONV_OK)))
            if rel not in SYSCALL_OK:
                for sm in SYSCALL_RE.finditer(c):
                    out.append((rel, ln, "syscall", "%s() outside %s; call the plat_*() of "
                                "util/platform.h" % (sm.group(1), " ".join(SYSCALL_OK))))
                for dm in DEVICE_RE.finditer(s):
                    out.append((rel, ln, "syscall", "%s outside %s; call the plat_*() of "
                                "util/platform.h" % (dm.group(0), " ".join(SYSCALL_OK))))

        # Which system it is built for is asked only in the platform module: every line of code
        # counts here, the preprocessor's own lines too (#ifdef _WIN32), live or not.
        if rel not in PLATFORM_OK:
            for ln, c in enumerate(b_lines, 1):
                for pm in PLATFORM_RE.finditer(c):
                    out.append((rel, ln, "platform", "%s outside %s; put what differs between "
                                "systems behind util/platform.h" % (pm.group(1),
                                                                     " and ".join(PLATFORM_OK))))

        for start, body in comments:
            for k, s in enumerate(body.split("\n")):
                found = sorted(set(OUTSIDE_RE.findall(s)))
                if found:
                    out.append((rel, start + k, "outside-pointer", "comment points outside the "
                                "repository (%s); say it here or in doc/" % ", ".join(found)))

    used = set()
    kept = []
    for v in out:
        ex = next((k for k, (r, p, _) in enumerate(EXCEPTIONS) if r == v[2] and p == v[0]), None)
        if ex is None:
            kept.append(v)
        else:
            used.add(ex)
    me = os.path.relpath(os.path.abspath(__file__), root).replace(os.sep, "/")
    for k, (r, p, _) in enumerate(EXCEPTIONS):
        if k not in used:
            kept.append((me, 1, "exception", "the exception (%s, %s) matches nothing; remove it"
                         % (r, p)))
    return sorted(set(kept)), nfiles, nincludes, len(rules)


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1].startswith("-")):
        sys.stderr.write("usage: check-layout.py [ROOT]\n")
        return 2
    root = argv[1] if len(argv) == 2 else os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    try:
        violations, nfiles, nincludes, nrules = check(root)
    except DocError as e:
        sys.stderr.write("check-layout: %s\n" % e)
        return 2
    for path, line, rule, why in violations:
        print("%s:%d: %s: %s" % (path, line, rule, why))
    if violations:
        sys.stderr.write("check-layout: %d violation(s) in %s\n" % (len(violations), root))
        return 1
    print("check-layout: %d C files, %d quoted includes, %d rules from %s: no violations"
          % (nfiles, nincludes, nrules, DOC))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
