#!/usr/bin/env python3
"""Write a Windows Live Mail-like Mail.MSMessageStore (an ESE database) from a description.

No public Mail.MSMessageStore exists, so wlmigrate's tests need one made to order. This script
turns a JSON (or Python) description of folders, messages and streams into an ESE database with
eselib (beside this file); libesedb reads it like a store written by Windows Live Mail.

Usage: make-wlm-db.py SPEC.json OUT.MSMessageStore [--dirty] [--page-size 8192]

SPEC (see wlm-db-example.json):
  {"ansi_codepage": 932,              code page of the ANSI text columns (1252 by default)
   "tables": {"Folders": [row, ...], "Messages": [...], "Streams": [...],
              "UserDataTable": [...], "Uidl": [...]},
   "column_types": {"Folders.FLDCOL_NAMEW": "Text", ...},   optional type overrides
   "without_tables": ["Messages"]}    tables not written (a real empty store has no Messages)
A row maps column names to values; a column left out, or null, is NULL. Values:
  integers as numbers; MSGCOL_DATE / RECEIVEDDATE / DOWNLOADTIME as FILETIME numbers or ISO 8601
  strings ("2012-05-01T09:15:00Z"); MSGCOL_FLAGS as a number, "0x..." or a list of flag names
  (MESSAGE_FLAGS below); text as strings. FLDCOL_NAME, when left out, is FLDCOL_NAMEW in the
  ANSI code page with "?" for what it cannot hold, as an ANSI program would store it.
A .py SPEC is run and must define SPEC, a dict of the same shape.

Every assumption about WLM's schema is in SCHEMA below, so that a real store can correct it:
what is known (doc/WLM-STORE.md) is the table and column names and that IDs and FILETIMEs
are 64-bit integers; the kind of each column (fixed, variable or tagged) and the ANSI columns'
ESE code page are guesses. ESE text columns are either Unicode (1200) or "ASCII" (1252); an
ANSI program on a Japanese Windows stores CP932 bytes in a 1252 column, so that is what this
writes (libesedb then decodes those bytes as Windows-1252: readers must take the raw bytes).
"""

import argparse
import datetime
import json
import os
import sys

sys.dont_write_bytecode = True      # leave no __pycache__ beside the tools
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eselib  # noqa: E402

UNICODE, ANSI = 1200, 1252

# Table -> (primary key, [(column, ESE type, code page for text, NUL-terminated)]).
# 64-bit integers are Currency (JET_coltypCurrency, the only 64-bit integer type before Vista);
# FILETIMEs are stored as such integers, not as JET_coltypDateTime (a double).
SCHEMA = {
    "Folders": ("FLDCOL_ID", [
        ("FLDCOL_ID", "Currency", None, False),
        ("FLDCOL_PARENT", "Currency", None, False),
        ("FLDCOL_SPECIAL", "Long", None, False),
        ("FLDCOL_TYPE", "Long", None, False),
        ("FLDCOL_MESSAGES", "Long", None, False),
        ("FLDCOL_UNREAD", "Long", None, False),
        ("FLDCOL_NAME", "Text", ANSI, False),
        ("FLDCOL_ACCOUNTID", "Text", ANSI, False),
        ("FLDCOL_NAMEW", "LongText", UNICODE, False),
        ("FLDCOL_PATH", "LongText", UNICODE, True),      # "UTF-16, NUL-terminated"
    ]),
    "Messages": ("MSGCOL_ID", [
        ("MSGCOL_ID", "Currency", None, False),
        ("MSGCOL_FOLDERID", "Currency", None, False),
        ("MSGCOL_STREAM", "Currency", None, False),
        ("MSGCOL_DATE", "Currency", None, False),
        ("MSGCOL_RECEIVEDDATE", "Currency", None, False),
        ("MSGCOL_DOWNLOADTIME", "Currency", None, False),       # optional, see OPTIONAL
        ("MSGCOL_FLAGS", "Long", None, False),
        ("MSGCOL_PRIORITY", "Long", None, False),
        ("MSGCOL_MESSAGEID", "Text", ANSI, False),
        ("MSGCOL_NORMALSUBJ", "LongText", UNICODE, False),
    ]),
    "Streams": ("Id", [
        ("Id", "Currency", None, False),
        ("Path", "LongText", UNICODE, False),
    ]),
    # Placeholders: WLM has these tables but their columns are not known.
    "UserDataTable": ("Id", [
        ("Id", "Currency", None, False),
        ("Data", "LongBinary", None, False),
    ]),
    "Uidl": ("Id", [
        ("Id", "Currency", None, False),
        ("AccountId", "Text", ANSI, False),
        ("Uidl", "Text", ANSI, False),
    ]),
}
FILETIME_COLUMNS = {"MSGCOL_DATE", "MSGCOL_RECEIVEDDATE", "MSGCOL_DOWNLOADTIME"}
# Columns written only when a row of the spec sets them (so that databases built from older
# specs, samples/wlm-store's among them, stay the same bytes).
OPTIONAL = {"Messages.MSGCOL_DOWNLOADTIME"}

# MSGCOL_FLAGS bits (Outlook Express lineage; unverified in WLM)
MESSAGE_FLAGS = {
    "downloaded": 0x1, "flagged": 0x20, "deleted": 0x40, "read": 0x80, "signed": 0x1000,
    "encrypted": 0x2000, "attachment": 0x4000, "replied": 0x80000, "forwarded": 0x100000,
}

FILETIME_EPOCH = datetime.datetime(1601, 1, 1, tzinfo=datetime.timezone.utc)


def filetime(value):
    """FILETIME (100 ns since 1601 UTC) from a number or an ISO 8601 string (UTC if no zone)."""
    if isinstance(value, int):
        return value
    moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    delta = moment - FILETIME_EPOCH
    return (delta.days * 86400 + delta.seconds) * 10**7 + delta.microseconds * 10


def message_flags(value):
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return int(value, 0)
    bits = 0
    for name in value:
        if name not in MESSAGE_FLAGS:
            raise SystemExit(f"unknown message flag {name!r}; known: {sorted(MESSAGE_FLAGS)}")
        bits |= MESSAGE_FLAGS[name]
    return bits


def load_spec(path):
    if path.endswith(".py"):
        scope = {}
        with open(path, encoding="utf-8") as source:
            exec(compile(source.read(), path, "exec"), scope)
        return scope["SPEC"]
    with open(path, encoding="utf-8") as source:
        return json.load(source)


def column_layout(spec):
    """SCHEMA with the spec's type overrides, without the tables it leaves out and the optional
    columns no row sets: {table: (key, [(name, type, codepage, nul)])}."""
    overrides = dict(spec.get("column_types", {}))
    without = set(spec.get("without_tables", []))
    unknown = without - set(SCHEMA)
    if unknown:
        raise SystemExit(f"without_tables: unknown tables {sorted(unknown)}")
    given = spec.get("tables", {})
    layout = {}
    for table, (key, columns) in SCHEMA.items():
        resolved = []
        for name, coltype, codepage, nul in columns:
            coltype = overrides.pop(f"{table}.{name}", coltype)
            if (f"{table}.{name}" in OPTIONAL
                    and not any(name in row for row in given.get(table, []))):
                continue
            resolved.append((name, coltype, codepage, nul))
        if table in without:
            if given.get(table):
                raise SystemExit(f"without_tables: {table} has rows in the spec")
            continue
        layout[table] = (key, resolved)
    if overrides:
        raise SystemExit(f"column_types: unknown columns {sorted(overrides)}")
    return layout


def table_rows(spec):
    """The rows to store, as {table: [{column: Python value}]}: integers, str for Unicode
    text, bytes (already in the ANSI code page) for ANSI text, bytes for binary."""
    ansi_codec = f"cp{spec.get('ansi_codepage', 1252)}"
    layout = column_layout(spec)
    given = spec.get("tables", {})
    unknown = set(given) - set(layout)
    if unknown:
        raise SystemExit(f"tables: unknown tables {sorted(unknown)}; known: {sorted(layout)}")
    result = {}
    for table, (_, columns) in layout.items():
        kinds = {name: (coltype, codepage, nul) for name, coltype, codepage, nul in columns}
        rows = []
        for number, given_row in enumerate(given.get(table, [])):
            row = dict(given_row)
            if table == "Folders" and "FLDCOL_NAME" not in row and row.get("FLDCOL_NAMEW"):
                row["FLDCOL_NAME"] = row["FLDCOL_NAMEW"].encode(ansi_codec, errors="replace")
            for name, value in list(row.items()):
                if name not in kinds:
                    raise SystemExit(f"{table} row {number}: unknown column {name}")
                coltype, codepage, nul = kinds[name]
                if value is None:
                    continue
                if name in FILETIME_COLUMNS:
                    value = filetime(value)
                elif name == "MSGCOL_FLAGS":
                    value = message_flags(value)
                elif isinstance(value, str) and nul:
                    value += "\0"
                if isinstance(value, str) and codepage == ANSI:
                    value = value.encode(ansi_codec)
                elif isinstance(value, str) and coltype in ("Binary", "LongBinary"):
                    value = bytes.fromhex(value)            # binary columns: hex in JSON
                row[name] = value
            rows.append(row)
        result[table] = rows
    return result


def build_tables(spec):
    layout = column_layout(spec)
    rows = table_rows(spec)
    tables = []
    for table, (key, columns) in layout.items():
        ese_columns = [eselib.Column(name, coltype, codepage=codepage)
                       for name, coltype, codepage, _ in columns]
        tables.append(eselib.Table(table, ese_columns, rows[table], primary_key=[key],
                                   index_name=key))
    return tables


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spec", help="JSON (or .py defining SPEC) description of the store")
    parser.add_argument("output", help="database file to write, e.g. Mail.MSMessageStore")
    parser.add_argument("--dirty", action="store_true",
                        help="mark the database dirty (state 2), as if WLM was still running")
    parser.add_argument("--page-size", type=int, default=8192, choices=eselib.PAGE_SIZES)
    args = parser.parse_args(argv)
    spec = load_spec(args.spec)
    try:
        eselib.write_database(args.output, build_tables(spec), page_size=args.page_size,
                              dirty=args.dirty)
    except eselib.EseError as error:
        raise SystemExit(f"make-wlm-db: {error}")


if __name__ == "__main__":
    main()
