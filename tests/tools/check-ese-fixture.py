#!/usr/bin/env python3
"""Check the ESE fixture builder (eselib.py, make-wlm-db.py) against libesedb and Windows.

wlmigrate's tests rely on databases that eselib writes; this script shows that they are what
they claim to be. It prints TAP and exits non-zero on any mismatch:

  1. eselib's page checksums (XOR + ECC) and header checksum equal those Windows stored in the
     real databases of shared/corpora/ese (skipped if that folder is absent);
  2. the example store (wlm-db-example.json) built at 8 KiB and 4 KiB pages, clean and dirty:
     esedbinfo lists every table and column with its type, esedbexport exports every row of
     every table, and each exported value equals the one the description asks for;
  3. a store with 0 rows in some tables, one with 100 messages (a root branch page over leaf
     pages) and one with 2000 (enough leaves for owned/available space tree pages);
  4. every page of every built file walked by a small reader written here: checksums, tags,
     free space, key order, sibling links, branch separators, space trees;
  5. a copy of the corpus' basic.edb table built with eselib: its records and the catalog's
     description of MSysObjects are byte for byte what Windows wrote, and esedbexport prints
     the same table.

Usage: check-ese-fixture.py [--keep DIR]   (needs esedbinfo and esedbexport: libesedb-utils)
"""

import argparse
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True      # leave no __pycache__ beside the tools
sys.path.insert(0, HERE)
import eselib  # noqa: E402

CORPUS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "corpora", "ese"))


def load_make_wlm_db():
    spec = importlib.util.spec_from_file_location("make_wlm_db",
                                                  os.path.join(HERE, "make-wlm-db.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_wlm_db = load_make_wlm_db()


class Tap:
    def __init__(self):
        self.count = 0
        self.failed = 0

    def ok(self, condition, name, detail=None):
        self.count += 1
        if not condition:
            self.failed += 1
        print(f"{'ok' if condition else 'not ok'} {self.count} - {name}")
        if not condition and detail:
            for line in str(detail).splitlines()[:40]:
                print(f"#   {line}")
        return condition

    def note(self, text):
        for line in text.splitlines():
            print(f"# {line}")


# ---------------------------------------------------------------------------------------------
# A small independent ESE reader, enough to walk what eselib writes and the corpus files


class EseFile:
    def __init__(self, path):
        with open(path, "rb") as source:
            self.data = source.read()
        self.page_size = struct.unpack_from("<I", self.data, 236)[0]
        self.last_pgno = len(self.data) // self.page_size - 2

    def header(self, copy=0):
        return self.data[copy * self.page_size:(copy + 1) * self.page_size]

    def page(self, pgno):
        start = (pgno + 1) * self.page_size
        return self.data[start:start + self.page_size]

    def parse(self, pgno):
        """Header fields and values (tag flags, bytes) of one page."""
        page = self.page(pgno)
        fields = dict(zip(("xor", "ecc", "dbtime", "previous", "next", "objid", "free",
                           "uncommitted", "first_free", "tags", "flags"),
                          struct.unpack_from("<IIQIIIHHHHI", page, 0)))
        values = []
        for number in range(fields["tags"]):
            size, offset = struct.unpack_from("<HH", page, self.page_size - 4 * (number + 1))
            flags, offset, size = offset >> 13, offset & 0x1FFF, size & 0x1FFF
            values.append((flags, page[40 + offset:40 + offset + size], offset, size))
        fields["values"] = values
        return fields


def split_entry(flags, value):
    """A leaf or branch value -> (key, rest); prefix-compressed entries use the page header."""
    position = 2 if flags & 4 else 0
    key_size = struct.unpack_from("<H", value, position)[0]
    key = value[position + 2:position + 2 + key_size]
    return (struct.unpack_from("<H", value, 0)[0] if flags & 4 else 0), key, \
        value[position + 2 + key_size:]


def walk_tree(ese, root_pgno, problems, seen_pages):
    """All (key, data) of a B-tree in order, checking what a reader relies on."""
    entries = []
    leaf_pages = []

    def visit(pgno, is_root):
        if pgno in seen_pages:
            problems.append(f"page {pgno} reached twice")
            return
        seen_pages.add(pgno)
        page = ese.parse(pgno)
        if bool(page["flags"] & eselib.PAGE_ROOT) != is_root:
            problems.append(f"page {pgno}: root flag {page['flags']:#x} wrong")
        header_value = page["values"][0][1] if page["values"] else b""
        if page["flags"] & eselib.PAGE_LEAF:
            leaf_pages.append((pgno, page))
            for flags, value, _, _ in page["values"][1:]:
                common, key, data = split_entry(flags, value)
                entries.append((header_value[:common] + key, data))
        else:
            children = []
            for flags, value, _, _ in page["values"][1:]:
                _, key, data = split_entry(flags, value)
                children.append((key, struct.unpack_from("<I", data, 0)[0]))
            for number, (separator, child) in enumerate(children):
                before = len(entries)
                visit(child, False)
                child_keys = [key for key, _ in entries[before:]]
                if separator and child_keys and not max(child_keys) < separator:
                    problems.append(f"page {pgno}: separator {separator.hex()} not above "
                                    f"child {child}")
                if number + 1 == len(children) and separator:
                    problems.append(f"page {pgno}: last branch entry has a key")

    visit(root_pgno, True)
    keys = [key for key, _ in entries]
    if keys != sorted(keys) or len(set(keys)) != len(keys):
        problems.append(f"tree at {root_pgno}: keys not strictly ascending")
    for number, (pgno, page) in enumerate(leaf_pages):
        expected_previous = leaf_pages[number - 1][0] if number else 0
        expected_next = leaf_pages[number + 1][0] if number + 1 < len(leaf_pages) else 0
        if len(leaf_pages) > 1 and (page["previous"], page["next"]) != (expected_previous,
                                                                           expected_next):
            problems.append(f"leaf {pgno}: siblings {page['previous']}/{page['next']}, "
                            f"expected {expected_previous}/{expected_next}")
    return entries


def space_extents(ese, pgno):
    page = ese.parse(pgno)
    result = []
    for flags, value, _, _ in page["values"][1:]:
        _, key, data = split_entry(flags, value)
        last = struct.unpack(">I", key)[0]
        count = struct.unpack_from("<I", data, 0)[0]
        result.append((last - count + 1, count))
    return result


def record_fields(record):
    """Split a record into (last fixed, last variable, fixed bytes, null bitmap, variable
    values {id: bytes or None}, tagged values {id: (flag byte or None, bytes)})."""
    last_fixed, last_variable, variable_offset = struct.unpack_from("<BBH", record, 0)
    count = max(0, last_variable - 127)
    ends = struct.unpack_from(f"<{count}H", record, variable_offset)
    start = variable_offset + 2 * count
    variable, previous = {}, 0
    for number, end in enumerate(ends):
        if end & 0x8000:
            variable[128 + number] = None
            continue
        variable[128 + number] = record[start + previous:start + end]
        previous = end
    tagged_area = record[start + previous:]
    tagged = {}
    if tagged_area:
        first = struct.unpack_from("<HH", tagged_area, 0)[1] & 0x1FFF
        tags = [struct.unpack_from("<HH", tagged_area, 4 * n) for n in range(first // 4)]
        for number, (column, offset) in enumerate(tags):
            begin = offset & 0x1FFF
            end = tags[number + 1][1] & 0x1FFF if number + 1 < len(tags) else len(tagged_area)
            value = tagged_area[begin:end]
            tagged[column] = (value[0], value[1:]) if offset & 0x4000 else (None, value)
    return last_fixed, last_variable, record[4:variable_offset], variable, tagged


def catalog_tables(ese, problems, seen, detail=False):
    """{table name: (objid, fdp page, {column name: (id, coltype)})} from the catalog; with
    detail, each column is (id, coltype, size, codepage)."""
    tables, names = {}, {}
    for _, record in walk_tree(ese, eselib.PGNO_CATALOG, problems, seen):
        _, _, fixed, variable, _ = record_fields(record)
        objid, kind, identifier, coltype_or_pgno, size, _, codepage = struct.unpack_from(
            "<IhIIIII", fixed, 0)
        name = variable[128].decode("ascii")
        if kind == eselib.CATALOG_TYPE_TABLE:
            names[objid] = name
            tables[name] = (objid, coltype_or_pgno, {})
        elif kind == eselib.CATALOG_TYPE_COLUMN:
            tables[names[objid]][2][name] = ((identifier, coltype_or_pgno, size, codepage)
                                             if detail else (identifier, coltype_or_pgno))
    return tables


def verify_structure(path):
    """Walk every page of a built file. Returns a list of problems (empty when sound)."""
    ese = EseFile(path)
    problems = []
    header = ese.header()
    if header != ese.header(1):
        problems.append("shadow header differs from header")
    if struct.unpack_from("<I", header, 0)[0] != eselib.header_checksum(header):
        problems.append("header checksum wrong")
    dbtime = struct.unpack_from("<Q", header, 16)[0]
    for pgno in range(1, ese.last_pgno + 1):
        page = ese.page(pgno)
        if not any(page):
            continue
        fields = ese.parse(pgno)
        if (fields["xor"], fields["ecc"]) != eselib.page_checksums(page, pgno):
            problems.append(f"page {pgno}: checksum wrong")
        free = ese.page_size - 40 - sum(size + 4 for _, _, _, size in fields["values"])
        if fields["free"] != free:
            problems.append(f"page {pgno}: free space {fields['free']}, values leave {free}")
        if fields["dbtime"] > dbtime:
            problems.append(f"page {pgno}: dbtime after the header's")
        for _, _, offset, size in fields["values"]:
            if 40 + offset + size > ese.page_size - 4 * fields["tags"]:
                problems.append(f"page {pgno}: a value overlaps the tags")
    seen = set()
    tables = catalog_tables(ese, problems, seen)
    shadow = walk_tree(ese, eselib.PGNO_SHADOW, problems, seen)
    catalog = walk_tree(ese, eselib.PGNO_CATALOG, problems, set())
    if shadow != catalog:
        problems.append("shadow catalog differs from the catalog")
    # the catalog's own indexes point at catalog rows: every row by name, every table by name
    catalog_keys = [key for key, _ in catalog]
    by_name = walk_tree(ese, eselib.PGNO_CATALOG_NAME_INDEX, problems, seen)
    if sorted(data for _, data in by_name) != sorted(catalog_keys):
        problems.append("Name index does not list each catalog row once")
    root_objects = walk_tree(ese, eselib.PGNO_CATALOG_ROOT_OBJECTS_INDEX, problems, seen)
    table_keys = [key for key in catalog_keys if key[5:8] == bytes([0x7F, 0x80, 0x01])]
    if sorted(data for _, data in root_objects) != sorted(table_keys):
        problems.append("RootObjects index does not list each table once")
    walk_tree(ese, eselib.PGNO_DATABASE, problems, seen)
    for name, (objid, fdp, _) in tables.items():
        if name.startswith("MSys"):
            continue
        walk_tree(ese, fdp, problems, seen)
        root = ese.parse(fdp)
        _, _, multiple, oe = struct.unpack("<IIII", root["values"][0][1])
        if multiple:
            seen.update((oe, oe + 1))
            owned = space_extents(ese, oe)
            pages = {p for first, count in owned for p in range(first, first + count)}
            if not {p for p in seen if p >= fdp and ese.parse(p)["objid"] == objid} <= pages:
                problems.append(f"table {name}: pages outside its owned extents")
    # every written page must belong to a tree or be a space tree page (owned and available
    # extents of the database root, the catalog, its two indexes and the shadow catalog)
    for pgno in (2, 3, 5, 6, 8, 9, 11, 12, 25, 26):
        seen.add(pgno)
    orphans = [p for p in range(1, ese.last_pgno + 1) if any(ese.page(p)) and p not in seen]
    if orphans:
        problems.append(f"pages written but not reachable: {orphans[:10]}")
    owned = space_extents(ese, 2)
    if owned != [(1, ese.last_pgno)]:
        problems.append(f"database owns {owned}, expected pages 1-{ese.last_pgno}")
    return problems


# ---------------------------------------------------------------------------------------------
# libesedb


def run(command):
    return subprocess.run(command, capture_output=True, text=True)


def esedbinfo_tables(path):
    """{table name: {column name: type text}} as esedbinfo prints them."""
    output = run(["esedbinfo", path]).stdout
    tables, current = {}, None
    for line in output.splitlines():
        if line.startswith("Table: "):
            name = line.split("\t")[-1].rsplit(" (", 1)[0]
            current = tables.setdefault(name, {})
        elif current is not None and line.startswith("\t") and line.count("\t") >= 4:
            parts = line.split("\t")
            if parts[1].isdigit():
                current[parts[3]] = parts[4]
        elif line.startswith("Index: "):
            current = None
    return tables


def esedbexport_tables(path, work):
    """{table name: [header, row, ...]} with each row a list of exported field texts."""
    target = os.path.join(work, "export")
    shutil.rmtree(target + ".export", ignore_errors=True)
    result = run(["esedbexport", "-t", target, path])
    if result.returncode != 0:
        raise RuntimeError(f"esedbexport failed: {result.stderr.strip()}")
    tables = {}
    for name in os.listdir(target + ".export"):
        with open(os.path.join(target + ".export", name), encoding="utf-8",
                  errors="surrogateescape") as exported:
            lines = exported.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        tables[name.rsplit(".", 1)[0]] = [line.split("\t") for line in lines]
    return tables


LIBESEDB_TYPE_TEXT = {
    "Currency": "Currency (64-bit)", "LongLong": "Integer 64-bit signed",
    "Long": "Integer 32-bit signed", "Text": "Text", "LongText": "Large text",
    "Binary": "Binary data", "LongBinary": "Large binary data",
}


def exported_text(coltype, value):
    """What esedbexport prints for a stored value."""
    if value is None:
        return ""
    if coltype in ("Currency", "LongLong"):
        return str(value & 0xFFFFFFFFFFFFFFFF)          # printed unsigned
    if isinstance(value, int):
        return str(value)
    if coltype in ("Binary", "LongBinary"):
        return value.hex()
    if isinstance(value, bytes):
        # ANSI bytes sit in a codepage 1252 column: libesedb decodes them as Windows-1252
        value = value.decode("cp1252", errors="replace")
    value = value.rstrip("\0")
    return (value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
            .replace("\t", "\\t").replace("\0", "\\0"))


def check_store(tap, label, spec, path, work, page_size, dirty):
    """Compare a built store with its description through esedbinfo and esedbexport."""
    layout = make_wlm_db.column_layout(spec)
    expected_rows = make_wlm_db.table_rows(spec)
    header = EseFile(path).header()
    version, = struct.unpack_from("<I", header, 8)
    state, = struct.unpack_from("<I", header, 52)
    revision, size = struct.unpack_from("<II", header, 232)
    tap.ok((version, revision, size, state) == (0x620, eselib.FORMAT_REVISION, page_size,
                                                 2 if dirty else 3),
           f"{label}: header says format 0x620 rev {eselib.FORMAT_REVISION:#x}, "
           f"{page_size}-byte pages, state {2 if dirty else 3}",
           (hex(version), hex(revision), size, state))
    problems = verify_structure(path)
    tap.ok(not problems, f"{label}: every page sound (checksums, tags, keys, links, space)",
           "\n".join(problems))

    info = esedbinfo_tables(path)
    for table, (_, columns) in layout.items():
        wanted = {name: LIBESEDB_TYPE_TEXT[coltype] for name, coltype, _, _ in columns}
        tap.ok(info.get(table) == wanted, f"{label}: esedbinfo lists {table} and its columns",
               f"got {info.get(table)}\nwant {wanted}")
    tap.ok({"MSysObjects", "MSysObjectsShadow"} <= set(info),
           f"{label}: esedbinfo lists the catalog tables", sorted(info))

    exported = esedbexport_tables(path, work)
    for table, (key, columns) in layout.items():
        names = [name for name, _, _, _ in columns]
        types = {name: coltype for name, coltype, _, _ in columns}
        rows = sorted(expected_rows[table], key=lambda row: row[key])
        want = [names] + [[exported_text(types[name], row.get(name)) for name in names]
                          for row in rows]
        got = exported.get(table)
        if got is not None and got and sorted(got[0]) == sorted(names):
            order = [got[0].index(name) for name in names]
            got = [[line[i] if i < len(line) else "<missing>" for i in order] for line in got]
        mismatches = []
        if got is None:
            mismatches.append("table not exported")
        else:
            if len(got) != len(want):
                mismatches.append(f"{len(got) - 1} rows exported, {len(want) - 1} expected")
            for number, (got_line, want_line) in enumerate(zip(got, want)):
                for name, got_value, want_value in zip(names, got_line, want_line):
                    if got_value != want_value:
                        mismatches.append(f"row {number} {name}: got {got_value!r}, "
                                          f"want {want_value!r}")
        tap.ok(not mismatches, f"{label}: esedbexport gives every value of {table} "
               f"({len(want) - 1} rows)", "\n".join(mismatches))


def build_with_cli(spec, path, work, page_size=8192, dirty=False):
    spec_path = os.path.join(work, "spec.json")
    with open(spec_path, "w", encoding="utf-8") as output:
        json.dump(spec, output, ensure_ascii=False)
    command = [sys.executable, os.path.join(HERE, "make-wlm-db.py"), spec_path, path,
               "--page-size", str(page_size)] + (["--dirty"] if dirty else [])
    result = run(command)
    if result.returncode != 0:
        raise RuntimeError(f"make-wlm-db.py failed: {result.stderr.strip()}")


def many_messages_spec(count):
    """A store with count messages spread over three folders; Uidl and UserDataTable empty."""
    folders = [{"FLDCOL_ID": 0, "FLDCOL_PARENT": -1}] + [
        {"FLDCOL_ID": n, "FLDCOL_PARENT": 0, "FLDCOL_NAMEW": f"フォルダー {n}",
         "FLDCOL_PATH": f"Storage Folders\\フォルダー {n}", "FLDCOL_TYPE": 3,
         "FLDCOL_SPECIAL": 0, "FLDCOL_MESSAGES": 0, "FLDCOL_UNREAD": 0} for n in (1, 2, 3)]
    flag_sets = [["read"], ["flagged"], ["read", "replied"], ["read", "forwarded"], []]
    messages, streams = [], []
    for n in range(1, count + 1):
        messages.append({
            "MSGCOL_ID": n * 7 - 3, "MSGCOL_FOLDERID": 1 + n % 3, "MSGCOL_STREAM": n,
            "MSGCOL_DATE": 129800000000000000 + n * 36000000000,
            "MSGCOL_RECEIVEDDATE": 129800000000000000 + n * 36000000000 + 123456789,
            "MSGCOL_FLAGS": flag_sets[n % len(flag_sets)], "MSGCOL_PRIORITY": (1, 3, 5)[n % 3],
            "MSGCOL_NORMALSUBJ": f"件名 {n}: subject with some length to fill pages " * (n % 3),
            "MSGCOL_MESSAGEID": f"<msg-{n}@example.com>"})
        streams.append({"Id": n, "Path": f"Storage Folders\\フォルダー {1 + n % 3}\\"
                                        f"{0x2E5B0000 + n:08X}-{n:08X}.eml"})
    return {"ansi_codepage": 932, "tables": {"Folders": folders, "Messages": messages,
                                             "Streams": streams, "UserDataTable": [],
                                             "Uidl": []}}


def table_shape(path, table):
    """(root page flags, number of leaf pages, multiple extents?) of a table's tree."""
    ese = EseFile(path)
    tables = catalog_tables(ese, [], set())
    _, fdp, _ = tables[table]
    root = ese.parse(fdp)
    multiple = struct.unpack("<IIII", root["values"][0][1])[2]
    leaves = 1 if root["flags"] & eselib.PAGE_LEAF else len(root["values"]) - 1
    return root["flags"], leaves, bool(multiple)


# ---------------------------------------------------------------------------------------------
# Comparison with the corpus


def check_checksums_against_corpus(tap):
    files = sorted(f for f in os.listdir(CORPUS) if f.endswith((".edb", ".dat")))
    pages = bad = stale = 0
    headers_ok = True
    for name in files:
        ese = EseFile(os.path.join(CORPUS, name))
        for copy in (0, 1):
            header = ese.header(copy)
            headers_ok &= struct.unpack_from("<I", header, 0)[0] == eselib.header_checksum(header)
        header_dbtime = struct.unpack_from("<Q", ese.header(), 16)[0]
        for pgno in range(1, ese.last_pgno + 1):
            page = ese.page(pgno)
            if page[:8] == bytes(8):
                continue
            dbtime, = struct.unpack_from("<Q", page, 8)
            flags, = struct.unpack_from("<I", page, 36)
            if (dbtime > header_dbtime or not flags & eselib.PAGE_NEW_CHECKSUM
                    or flags >= 0x80000):
                stale += 1          # never-initialized space holding stale bytes (SRUDB.dat)
                continue
            pages += 1
            if struct.unpack_from("<II", page, 0) != eselib.page_checksums(page, pgno):
                bad += 1
    tap.ok(headers_ok, f"header checksums equal Windows' in {len(files)} corpus files")
    tap.ok(pages > 0 and bad == 0,
           f"XOR and ECC page checksums equal Windows' on {pages} corpus pages "
           f"({stale} pages of stale bytes skipped)", f"{bad} differ")


BASIC_TYPES = ["Long", "Bit", "UnsignedByte", "Short", "Long", "Currency", "IEEESingle",
               "IEEEDouble", "DateTime", "UnsignedLong", "LongLong", "GUID", "UnsignedShort"]
BASIC_NAMES = ["Id", "Bit", "UnsignedByte", "Short", "Long", "Currency", "IEEESingle",
               "IEEEDouble", "DateTime", "UnsignedLong", "LongLong", "GUID", "UnsignedShort"]


def check_basic_copy(tap, work):
    """Rebuild the corpus' basic.edb table with eselib and compare bytes and exports."""
    real_path = os.path.join(CORPUS, "basic.edb")
    real = EseFile(real_path)
    problems = []
    real_tables = catalog_tables(real, problems, set())
    _, fdp, _ = real_tables["basic"]
    real_records = walk_tree(real, fdp, problems, set())

    # decode the real fixed values by column size, as Python values for eselib
    columns = [eselib.Column(name, coltype) for name, coltype in zip(BASIC_NAMES, BASIC_TYPES)]
    for column in columns:
        column.resolve()
    rows = []
    for _, record in real_records:
        last_fixed, _, fixed, _, _ = record_fields(record)
        row, offset = {}, 0
        for column in columns[:last_fixed]:
            data = fixed[offset:offset + column.size]
            offset += column.size
            if column.coltype in eselib.INTEGER_COLTYPS:
                row[column.name] = int.from_bytes(
                    data, "little", signed=eselib.INTEGER_COLTYPS[column.coltype][1])
            elif column.coltype == eselib.COLTYP_BIT:
                row[column.name] = data != b"\0"
            elif column.coltype == eselib.COLTYP_IEEE_SINGLE:
                row[column.name] = struct.unpack("<f", data)[0]
            elif column.coltype in (eselib.COLTYP_IEEE_DOUBLE, eselib.COLTYP_DATETIME):
                row[column.name] = struct.unpack("<d", data)[0]
            else:
                row[column.name] = data
        rows.append(row)
    path = os.path.join(work, "basic-copy.edb")
    eselib.write_database(path, [eselib.Table("basic", columns, rows, primary_key=["Id"],
                                              index_name="IxId")], page_size=4096)
    mine = EseFile(path)
    my_tables = catalog_tables(mine, problems, set())
    my_records = walk_tree(mine, my_tables["basic"][1], problems, set())
    tap.ok(my_records == real_records,
           f"basic table: {len(real_records)} records (keys and data) byte-identical to Windows'",
           "\n".join(f"{a[1].hex()}\n{b[1].hex()}" for a, b in zip(real_records, my_records)))

    def catalog_rows(ese, objid):
        return {key: record for key, record in walk_tree(ese, eselib.PGNO_CATALOG, [], set())
                if struct.unpack_from("<I", record, 4)[0] == objid}

    real_catalog, my_catalog = catalog_rows(real, 2), catalog_rows(mine, 2)
    tap.ok(real_catalog == my_catalog,
           f"catalog rows describing MSysObjects ({len(real_catalog)}) byte-identical to Windows'",
           "\n".join(f"{k.hex()}: {real_catalog.get(k, b'').hex()} / {my_catalog.get(k, b'').hex()}"
                     for k in sorted(set(real_catalog) | set(my_catalog))
                     if real_catalog.get(k) != my_catalog.get(k)))

    real_export = esedbexport_tables(real_path, work)["basic"]
    my_export = esedbexport_tables(path, work)["basic"]
    tap.ok(real_export == my_export, "esedbexport prints the copy of basic exactly as the original",
           f"{real_export}\n{my_export}")

    # structural differences worth knowing, reported as notes
    tap.note("structure, Windows' basic.edb vs eselib's copy (4 KiB pages):")
    for pgno, what in ((1, "database root"), (4, "MSysObjects root"), (24, "shadow root")):
        a, b = real.parse(pgno), mine.parse(pgno)
        tap.note(f"  page {pgno} {what}: flags {a['flags']:#x} vs {b['flags']:#x}, "
                 f"space header {a['values'][0][1].hex()} vs {b['values'][0][1].hex()}")
    a, b = real.parse(real_tables["basic"][1]), mine.parse(my_tables["basic"][1])
    tap.note(f"  basic root: flags {a['flags']:#x} vs {b['flags']:#x}, space header "
             f"{a['values'][0][1].hex()} vs {b['values'][0][1].hex()}")


def check_text_and_binary_copies(tap, work):
    """Rebuild the rows of the corpus' text.edb and binary.edb tables (fixed, variable and
    tagged text/binary, Long values stored inline) and compare each part of each record with
    the bytes Windows wrote. Long values Windows stored in a separate tree or compressed are
    left out: eselib writes neither."""
    for name in ("text", "binary"):
        real = EseFile(os.path.join(CORPUS, f"{name}.edb"))
        table = catalog_tables(real, [], set(), detail=True)[name]
        columns = []
        for column_name, (identifier, coltype, size, codepage) in sorted(
                table[2].items(), key=lambda item: item[1][0]):
            fixed_size = eselib.FIXED_SIZE_BY_COLTYP[coltype]
            columns.append(eselib.Column(column_name, coltype, id=identifier,
                                         codepage=codepage or None,
                                         size=None if fixed_size else size or None))
        for column in columns:
            column.resolve()
        by_id = {column.id: column for column in columns}
        rows, real_parts = [], []
        for _, record in walk_tree(real, table[1], [], set()):
            last_fixed, last_variable, fixed, variable, tagged = record_fields(record)
            present = [c for c in columns if c.kind == eselib.FIXED and c.id <= last_fixed]
            null_bits = fixed[sum(c.size for c in present):]
            row, offset = {}, 0
            for column in present:
                data = fixed[offset:offset + column.size]
                offset += column.size
                if null_bits[(column.id - 1) // 8] >> ((column.id - 1) % 8) & 1:
                    row[column.name] = None         # set to NULL: the record covers it
                    continue
                if column.coltype == eselib.COLTYP_LONG:
                    row[column.name] = int.from_bytes(data, "little", signed=True)
                elif column.coltype == eselib.COLTYP_TEXT:
                    # give the text without Windows' padding: eselib must pad it the same way
                    if column.codepage == 1200:
                        row[column.name] = data[:len(data) // 2 * 2].decode("utf-16-le")
                    else:
                        row[column.name] = data.decode("cp1252")
                    row[column.name] = row[column.name].rstrip(" ")
                else:
                    row[column.name] = data.rstrip(b"\0")
            for identifier, value in variable.items():
                row[by_id[identifier].name] = value
            inline = {i: v for i, v in tagged.items() if v[0] in (None, 1)}
            for identifier, (_, value) in inline.items():
                row[by_id[identifier].name] = value
            rows.append(row)
            real_parts.append((last_fixed, last_variable, fixed, variable, inline))
        path = os.path.join(work, f"{name}-copy.edb")
        eselib.write_database(path, [eselib.Table(name, columns, rows, primary_key=["Id"])],
                              page_size=4096)
        mine = EseFile(path)
        my_table = catalog_tables(mine, [], set())[name]
        my_parts = [record_fields(record)
                    for _, record in walk_tree(mine, my_table[1], [], set())]
        differences = []
        for number, (want, got) in enumerate(zip(real_parts, my_parts)):
            for part, label in ((0, "last fixed"), (1, "last variable"), (2, "fixed data"),
                                (3, "variable data"), (4, "inline tagged values")):
                if want[part] != got[part]:
                    differences.append(f"row {number} {label}: {want[part]!r:.200}\n"
                                       f"   eselib: {got[part]!r:.200}")
        tap.ok(len(my_parts) == len(real_parts) and not differences,
               f"{name}.edb table: fixed, variable and inline tagged parts of "
               f"{len(real_parts)} records byte-identical to Windows'", "\n".join(differences))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", help="build into this folder and keep the files")
    args = parser.parse_args()
    for tool in ("esedbinfo", "esedbexport"):
        if shutil.which(tool) is None:
            print(f"1..0 # SKIP {tool} not installed (Debian package libesedb-utils)")
            return 0
    work = args.keep or tempfile.mkdtemp(prefix="check-ese-")
    os.makedirs(work, exist_ok=True)
    tap = Tap()
    try:
        if os.path.isdir(CORPUS):
            check_checksums_against_corpus(tap)
        else:
            tap.note(f"corpus {CORPUS} absent: checksum and basic.edb comparisons skipped")

        example = make_wlm_db.load_spec(os.path.join(HERE, "wlm-db-example.json"))
        for page_size, dirty in ((8192, False), (8192, True), (4096, False)):
            label = f"example {page_size // 1024}K{' dirty' if dirty else ''}"
            path = os.path.join(work, f"example-{page_size}{'-dirty' if dirty else ''}"
                                      ".MSMessageStore")
            build_with_cli(example, path, work, page_size, dirty)
            check_store(tap, label, example, path, work, page_size, dirty)

        for count in (100, 2000):
            spec = many_messages_spec(count)
            path = os.path.join(work, f"messages-{count}.MSMessageStore")
            build_with_cli(spec, path, work)
            check_store(tap, f"{count} messages", spec, path, work, 8192, False)
            flags, leaves, multiple = table_shape(path, "Messages")
            tap.note(f"{count} messages: Messages root flags {flags:#x}, {leaves} leaf pages, "
                     f"{'multiple extents' if multiple else 'single extent'}")
            tap.ok(not flags & eselib.PAGE_LEAF and leaves > 1,
                   f"{count} messages: a root branch page over {leaves} leaf pages")
            if count == 2000:
                tap.ok(multiple, "2000 messages: the table has owned/available space trees")
        _, leaves, _ = table_shape(os.path.join(work, "messages-100.MSMessageStore"), "Uidl")
        tap.ok(leaves == 1, "empty Uidl table: a root leaf page with no rows")

        if os.path.isdir(CORPUS):
            check_basic_copy(tap, work)
            check_text_and_binary_copies(tap, work)
    except (RuntimeError, eselib.EseError, OSError) as error:
        tap.ok(False, f"builder ran: {error}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"1..{tap.count}")
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
