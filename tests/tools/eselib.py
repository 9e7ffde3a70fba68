"""eselib: write small ESE ("JET Blue", Extensible Storage Engine) database files.

Windows Live Mail keeps message state in an ESE database (Mail.MSMessageStore) and no public
sample of one exists, so wlmigrate's tests build their own with this module. The files it writes
are read back by libesedb (esedbinfo, esedbexport) and are laid out like a database freshly
written by Windows' own engine (compared page by page with ../../../shared/corpora/ese/*.edb):

  file header + shadow copy   format 0x620 revision 0x14, XOR checksum seeded with 0x89abcdef
  page 1-3                    database root (objid 1) with its owned/available space trees
  page 4-23                   catalog MSysObjects (objid 2): root, space trees, its Name index
                              (objid 4, page 7) and RootObjects index (objid 5, page 10), leaves
                              from page 13 on
  page 24-                    MSysObjectsShadow (objid 3), a copy of the catalog
  then                        one B-tree per table (objid 6, 7, ...): a root page that is a leaf
                              holding every row, or a root branch page over leaf pages

Every page carries the "new" checksum pair (XOR seeded with the page number and the ECC word)
that Windows writes for revision >= 0x0b and 8 KiB pages and smaller; the check script shows
that this code computes the very values Windows stored in the corpus, so esentutl's checksum
pass should accept these files (not tried: no Windows here).

Supported: fixed columns (ids 1-127), variable columns (128-255, at most 255 bytes), tagged
columns (256+), all column types libesedb knows except SLV. Long Text/Long Binary values stay
inline in the record (Windows moves those over about a kilobyte to a separate long-value
tree; libesedb returns both alike), so every row must fit in one page. Each table needs a
primary key over integer columns (ESE keys are "normalized" bytes; only integers are
normalized here). Rows are dicts by column name: a column left out was never set, None sets it
to NULL (both read back as NULL; see encode_record). No multi-values, no compression, no
secondary indexes, trees of at most two levels (a root branch page over leaf pages).

Python 3 standard library only. Usage:

    from eselib import Column, Table, write_database
    table = Table("People", [Column("Id", "Long"), Column("Name", "Text", codepage=1200)],
                  rows=[{"Id": 1, "Name": "Taro"}], primary_key=["Id"])
    write_database("people.edb", [table])
"""

import datetime
import hashlib
import struct
import uuid
from dataclasses import dataclass, field

# ---------------------------------------------------------------------------------------------
# Format constants

FORMAT_VERSION = 0x620
FORMAT_REVISION = 0x14          # what Windows 8 and later write; libesedb reads it at 4/8 KiB
PAGE_HEADER_SIZE = 40           # pages of 8 KiB and less have no extended header
HEADER_SIGNATURE = 0x89ABCDEF
PAGE_SIZES = (4096, 8192)

STATE_DIRTY_SHUTDOWN = 2
STATE_CLEAN_SHUTDOWN = 3

# page flags (cpage.hxx in Microsoft's ESE sources, "Page flags" in libyal's document)
PAGE_ROOT = 0x0001
PAGE_LEAF = 0x0002
PAGE_PARENT_OF_LEAF = 0x0004
PAGE_SPACE_TREE = 0x0020
PAGE_INDEX = 0x0040
PAGE_NEW_RECORD_FORMAT = 0x0800
PAGE_NEW_CHECKSUM = 0x2000
PAGE_FLUSH_TYPE_1 = 0x8000
PAGE_COMMON_FLAGS = PAGE_NEW_RECORD_FORMAT | PAGE_NEW_CHECKSUM | PAGE_FLUSH_TYPE_1

# fixed page numbers and object ids of a fresh database
PGNO_DATABASE = 1
PGNO_CATALOG = 4
PGNO_CATALOG_NAME_INDEX = 7
PGNO_CATALOG_ROOT_OBJECTS_INDEX = 10
PGNO_CATALOG_FIRST_LEAF = 13
PGNO_CATALOG_LAST = 23          # the catalog owns pages 4-23 (20 pages), as Windows creates it
PGNO_SHADOW = 24                # libesedb looks for the shadow catalog here
SHADOW_PRIMARY_PAGES = 5
OBJID_DATABASE = 1
OBJID_CATALOG = 2
OBJID_SHADOW = 3
OBJID_CATALOG_NAME_INDEX = 4
OBJID_CATALOG_ROOT_OBJECTS_INDEX = 5
FIRST_USER_OBJID = 6

CATALOG_TYPE_TABLE = 1
CATALOG_TYPE_COLUMN = 2
CATALOG_TYPE_INDEX = 3

SINGLE_EXTENT_MAX_PAGES = 32    # a single-extent space header tracks its pages in a 32-bit map

# catalog values copied from databases written by Windows
TABLE_DENSITY = 80
SYSTEM_TABLE_FLAGS = 0xC0000000
INDEX_FLAGS_PRIMARY = 0x1002F           # unique, primary, disallow/ignore nulls (as "IxId")
INDEX_FLAGS_CATALOG_ID = 0x10031
INDEX_FLAGS_CATALOG_NAME = 0x10011
INDEX_FLAGS_CATALOG_ROOT_OBJECTS = 0x10009
INDEX_LCMAP_FLAGS = 0x00030401
INDEX_LOCALE_NAME = "en-US"
COLUMN_FLAG_NOT_NULL = 0x0001
NULL_FIXED_FILLER = 0x2A        # Windows fills the bytes of a NULL fixed column with '*'

KEY_PREFIX_DATA = 0x7F          # normalized key segment: value present

# JET_COLTYP: name -> (number, fixed size or None for variable-length types)
COLUMN_TYPES = {
    "Bit": (1, 1), "Boolean": (1, 1),
    "UnsignedByte": (2, 1),
    "Short": (3, 2),
    "Long": (4, 4),
    "Currency": (5, 8),
    "IEEESingle": (6, 4),
    "IEEEDouble": (7, 8),
    "DateTime": (8, 8),
    "Binary": (9, None),
    "Text": (10, None),
    "LongBinary": (11, None),
    "LongText": (12, None),
    "UnsignedLong": (14, 4),
    "LongLong": (15, 8),
    "GUID": (16, 16),
    "UnsignedShort": (17, 2),
}
COLTYP_BIT, COLTYP_UNSIGNED_BYTE, COLTYP_SHORT, COLTYP_LONG, COLTYP_CURRENCY = 1, 2, 3, 4, 5
COLTYP_IEEE_SINGLE, COLTYP_IEEE_DOUBLE, COLTYP_DATETIME = 6, 7, 8
COLTYP_BINARY, COLTYP_TEXT, COLTYP_LONG_BINARY, COLTYP_LONG_TEXT = 9, 10, 11, 12
COLTYP_UNSIGNED_LONG, COLTYP_LONG_LONG, COLTYP_GUID, COLTYP_UNSIGNED_SHORT = 14, 15, 16, 17
FIXED_SIZE_BY_COLTYP = {number: size for number, size in COLUMN_TYPES.values()}
TEXT_COLTYPS = (COLTYP_TEXT, COLTYP_LONG_TEXT)
LONG_VALUE_COLTYPS = (COLTYP_LONG_BINARY, COLTYP_LONG_TEXT)
# integer types: (size, signed) for encoding and key normalization
INTEGER_COLTYPS = {
    COLTYP_UNSIGNED_BYTE: (1, False), COLTYP_SHORT: (2, True), COLTYP_UNSIGNED_SHORT: (2, False),
    COLTYP_LONG: (4, True), COLTYP_UNSIGNED_LONG: (4, False),
    COLTYP_CURRENCY: (8, True), COLTYP_LONG_LONG: (8, True),
}
VARIABLE_MAX_SIZE = 255

FIXED, VARIABLE, TAGGED = "fixed", "variable", "tagged"
FIRST_ID = {FIXED: 1, VARIABLE: 128, TAGGED: 256}
LAST_ID = {FIXED: 127, VARIABLE: 255, TAGGED: 0xFFFF}

OLE_EPOCH = datetime.datetime(1899, 12, 30)


class EseError(Exception):
    """A table definition or row that this writer cannot store."""


# ---------------------------------------------------------------------------------------------
# Schema


@dataclass
class Column:
    """One column. coltype is a name from COLUMN_TYPES or a JET_coltyp number.

    kind (fixed/variable/tagged) follows from id when given, else from the type: fixed-size types
    are fixed, Text and Binary variable, Long Text and Long Binary tagged. Text columns default to
    codepage 1200 (UTF-16LE); give 1252 for ANSI. size is the maximum length of a Text/Binary
    column, or the (padded) length of a fixed Text/Binary column.
    """
    name: str
    coltype: object
    id: int = None
    codepage: int = None
    size: int = None
    not_null: bool = False
    kind: str = None
    record_offset: int = field(default=None, init=False)

    def resolve(self):
        if isinstance(self.coltype, str):
            if self.coltype not in COLUMN_TYPES:
                raise EseError(f"column {self.name}: unknown type {self.coltype!r}")
            self.coltype = COLUMN_TYPES[self.coltype][0]
        if self.coltype not in FIXED_SIZE_BY_COLTYP:
            raise EseError(f"column {self.name}: unsupported column type {self.coltype}")
        if not self.name.isascii() or not self.name:
            raise EseError(f"column name {self.name!r}: ESE object names are ASCII")
        fixed_size = FIXED_SIZE_BY_COLTYP[self.coltype]
        if self.id is not None:
            self.kind = FIXED if self.id < 128 else VARIABLE if self.id < 256 else TAGGED
        elif self.kind is None:
            if fixed_size is not None:
                self.kind = FIXED
            elif self.coltype in LONG_VALUE_COLTYPS:
                self.kind = TAGGED
            else:
                self.kind = VARIABLE
        if self.kind not in FIRST_ID:
            raise EseError(f"column {self.name}: kind must be fixed, variable or tagged")
        if self.coltype in TEXT_COLTYPS:
            if self.codepage is None:
                self.codepage = 1200
        elif self.codepage not in (None, 0):
            raise EseError(f"column {self.name}: only text columns have a codepage")
        else:
            self.codepage = 0
        if fixed_size is not None:
            if self.size not in (None, fixed_size):
                raise EseError(f"column {self.name}: a {self.coltype_name} is {fixed_size} bytes")
            self.size = fixed_size
        elif self.kind == FIXED:
            if self.coltype in LONG_VALUE_COLTYPS or not self.size:
                raise EseError(f"column {self.name}: a fixed Text/Binary column needs a size")
        elif self.kind == VARIABLE:
            if self.coltype in LONG_VALUE_COLTYPS:
                raise EseError(f"column {self.name}: Long Text/Binary columns must be tagged")
            self.size = self.size or VARIABLE_MAX_SIZE
            if self.size > VARIABLE_MAX_SIZE:
                raise EseError(f"column {self.name}: variable columns hold at most 255 bytes")
        elif self.size is None:
            self.size = 0 if self.coltype in LONG_VALUE_COLTYPS else VARIABLE_MAX_SIZE

    @property
    def coltype_name(self):
        for name, (number, _) in COLUMN_TYPES.items():
            if number == self.coltype:
                return name
        return str(self.coltype)


@dataclass
class Table:
    """A table: columns, rows (dicts by column name, or sequences in column order) and the
    names of the integer columns that make up the primary key."""
    name: str
    columns: list
    rows: list = field(default_factory=list)
    primary_key: list = None
    index_name: str = None


def _assign_column_ids(table):
    """Resolve types and give columns without an id the next free id of their kind. ESE numbers
    fixed and variable columns densely from 1 and 128, and record layout depends on it."""
    for column in table.columns:
        column.resolve()
    taken = {}
    for column in table.columns:
        if column.id is not None:
            if column.id in taken:
                raise EseError(f"table {table.name}: columns {taken[column.id]} and "
                               f"{column.name} share id {column.id}")
            taken[column.id] = column.name
    next_id = dict(FIRST_ID)
    for column in table.columns:
        if column.id is None:
            while next_id[column.kind] in taken:
                next_id[column.kind] += 1
            column.id = next_id[column.kind]
            taken[column.id] = column.name
        if column.id > LAST_ID[column.kind]:
            raise EseError(f"table {table.name}: too many {column.kind} columns")
    names = [column.name.upper() for column in table.columns]
    if len(set(names)) != len(names):
        raise EseError(f"table {table.name}: column names must differ (case-insensitively)")
    table.columns.sort(key=lambda column: column.id)
    for kind in (FIXED, VARIABLE):
        ids = [column.id for column in table.columns if column.kind == kind]
        if ids != list(range(FIRST_ID[kind], FIRST_ID[kind] + len(ids))):
            raise EseError(f"table {table.name}: {kind} column ids must run from "
                           f"{FIRST_ID[kind]} without gaps, got {ids}")
    offset = 4                      # fixed values follow the 4-byte record header
    for column in table.columns:
        if column.kind == FIXED:
            column.record_offset = offset
            offset += column.size


# ---------------------------------------------------------------------------------------------
# Values, records and keys


def _int_bytes(value, size, signed, what):
    if isinstance(value, bool) or not isinstance(value, int):
        raise EseError(f"{what}: expected an integer, got {value!r}")
    low = -(1 << (8 * size - 1)) if signed else 0
    # a signed column also takes the unsigned spelling of the same bits (0xC0000000)
    high = (1 << (8 * size)) - 1
    if not low <= value <= high:
        raise EseError(f"{what}: {value} does not fit in {size} bytes")
    return (value & high).to_bytes(size, "little")


def _python_codec(codepage):
    if codepage == 1200:
        return "utf-16-le"
    if codepage in (0, 1252):
        return "cp1252"
    return f"cp{codepage}"


def encode_value(column, value):
    """Python value -> the bytes ESE stores for this column. None stays None (NULL).

    Text takes str (encoded in the column's codepage) or bytes (stored as given, e.g. CP932
    bytes in a codepage 1252 column, as an ANSI program on a Japanese Windows writes them).
    DateTime takes a datetime or an OLE automation date (days since 1899-12-30) as float.
    """
    if value is None:
        return None
    what = f"column {column.name}"
    coltype = column.coltype
    if coltype == COLTYP_BIT:
        data = b"\xff" if value else b"\x00"
    elif coltype in INTEGER_COLTYPS:
        size, signed = INTEGER_COLTYPS[coltype]
        data = _int_bytes(value, size, signed, what)
    elif coltype == COLTYP_IEEE_SINGLE:
        data = struct.pack("<f", value)
    elif coltype == COLTYP_IEEE_DOUBLE:
        data = struct.pack("<d", value)
    elif coltype == COLTYP_DATETIME:
        if isinstance(value, datetime.datetime):
            value = (value.replace(tzinfo=None) - OLE_EPOCH) / datetime.timedelta(days=1)
        data = struct.pack("<d", value)
    elif coltype == COLTYP_GUID:
        data = value.bytes_le if isinstance(value, uuid.UUID) else bytes(value)
        if len(data) != 16:
            raise EseError(f"{what}: a GUID is 16 bytes")
    elif coltype in TEXT_COLTYPS:
        data = value if isinstance(value, bytes) else value.encode(_python_codec(column.codepage))
    else:
        if not isinstance(value, (bytes, bytearray)):
            raise EseError(f"{what}: binary columns take bytes")
        data = bytes(value)
    if column.kind == FIXED and FIXED_SIZE_BY_COLTYP[coltype] is None:
        if len(data) > column.size:
            raise EseError(f"{what}: {len(data)} bytes do not fit the fixed size {column.size}")
        # Windows pads with spaces (text, the pattern cut at the end: 20 00 20 00 ... 20) or NULs
        pad = (" ".encode(_python_codec(column.codepage)) if coltype in TEXT_COLTYPS else b"\0")
        data += (pad * column.size)[:column.size - len(data)]
    elif coltype in (COLTYP_TEXT, COLTYP_BINARY) and len(data) > column.size:
        raise EseError(f"{what}: {len(data)} bytes exceed the column's limit of {column.size}; "
                       "use a Long Text/Binary column")
    return data


def encode_record(columns, values):
    """Lay out one record (a "data definition"): 4-byte header, fixed values and their NULL
    bitmap, the variable values' end-offset array and data, then the tagged values.

    columns: resolved, sorted by id. values: {column id: bytes or None}. A column missing from
    values was never set; None means set to NULL. Both read back as NULL, but like Windows the
    record then extends over a fixed or variable column set to NULL (its bytes filled with
    '*' and its NULL bit set), and stops before trailing columns never set.
    """
    fixed = [c for c in columns if c.kind == FIXED]
    variable = [c for c in columns if c.kind == VARIABLE]
    tagged = [c for c in columns if c.kind == TAGGED and values.get(c.id) is not None]

    last_fixed = max((c.id for c in fixed if c.id in values), default=0)
    fixed_data = bytearray()
    null_bits = bytearray((last_fixed + 7) // 8)
    for column in fixed[:last_fixed]:
        value = values.get(column.id)
        if value is None:
            fixed_data += bytes([NULL_FIXED_FILLER]) * column.size
        else:
            fixed_data += value
    for bit in range(len(null_bits) * 8):      # a set bit marks NULL; unused bits are set too
        if bit >= last_fixed or values.get(fixed[bit].id) is None:
            null_bits[bit // 8] |= 1 << (bit % 8)

    last_variable = max((c.id for c in variable if c.id in values), default=127)
    end_offsets = []
    variable_data = bytearray()
    for column in variable[:last_variable - 127]:
        value = values.get(column.id)
        if value is None:
            end_offsets.append(0x8000 | len(variable_data))
        else:
            variable_data += value
            end_offsets.append(len(variable_data))

    tag_entries = bytearray()
    tag_data = bytearray()
    for column in tagged:
        value = values[column.id]
        offset = 4 * len(tagged) + len(tag_data)
        if column.coltype in LONG_VALUE_COLTYPS:
            # Long Text/Binary values start with a flags byte ("long value" 0x01) that the
            # tag announces with 0x4000 (TAGFLD "extended info", 4 and 8 KiB pages)
            value = b"\x01" + value
            offset_field = offset | 0x4000
        else:
            offset_field = offset
        if offset + len(value) > 0x1FFF:
            raise EseError(f"column {column.name}: tagged data too large for one record")
        tag_entries += struct.pack("<HH", column.id, offset_field)
        tag_data += value

    header = struct.pack("<BBH", last_fixed, last_variable, 4 + len(fixed_data) + len(null_bits))
    return (header + fixed_data + null_bits
            + b"".join(struct.pack("<H", o) for o in end_offsets) + variable_data
            + tag_entries + tag_data)


def normalize_key_segment(coltype, data):
    """An ESE normalized key segment: 0x7f, then the value big-endian with the sign bit flipped
    for signed integers, so that keys compare as plain bytes."""
    if coltype == COLTYP_BIT:
        return bytes([KEY_PREFIX_DATA, 0xFF if data[0] else 0x00])
    if coltype in INTEGER_COLTYPS:
        size, signed = INTEGER_COLTYPS[coltype]
        number = int.from_bytes(data, "little")
        if signed:
            number ^= 1 << (8 * size - 1)
        return bytes([KEY_PREFIX_DATA]) + number.to_bytes(size, "big")
    raise EseError(f"key columns must be integers or Bit here (type {coltype})")


def normalize_ascii_text(text):
    """Key segment of an ASCII text value: upper-cased a-z (C locale), NUL-terminated."""
    data = text.encode("ascii")
    upper = bytes(b - 32 if 0x61 <= b <= 0x7A else b for b in data)
    return bytes([KEY_PREFIX_DATA]) + upper + b"\0"


def _catalog_key(objid, catalog_type, identifier):
    return (normalize_key_segment(COLTYP_LONG, _int_bytes(objid, 4, True, "objid"))
            + normalize_key_segment(COLTYP_SHORT, _int_bytes(catalog_type, 2, True, "type"))
            + normalize_key_segment(COLTYP_LONG, _int_bytes(identifier, 4, True, "id")))


# ---------------------------------------------------------------------------------------------
# Checksums


def header_checksum(page):
    """XOR of all 32-bit words after the first, seeded with 0x89abcdef (file header)."""
    words = struct.unpack(f"<{len(page) // 4}I", page)
    checksum = HEADER_SIGNATURE
    for word in words[1:]:
        checksum ^= word
    return checksum


def page_checksums(page, pgno):
    """The two checksum words of a page in the new format (revision >= 0x0b, page flag 0x2000).

    Words from offset 8 on are taken in 16-byte blocks. The XOR word is the page number XOR all
    of them. The ECC word is a Hamming-style code that lets the engine repair one flipped bit:
    for every block with odd parity it XORs in a mask built from the block index (index in bits
    7-15, its complement in bits 23-31); four more bits record the parity of XORs of the four
    word columns; bits 0-4 and 16-20 encode which bits of the overall XOR are set (bit number,
    and its complement). For pages under 8 KiB the top bit, always set there, is cleared.
    """
    size = len(page)
    words = struct.unpack(f"<{size // 4}I", page)
    ecc = 0
    column_xor = [0, 0, 0, 0]
    for block in range(size // 16):
        block_xor = 0
        for position in range(4):
            index = block * 4 + position
            if index < 2:                   # the checksum words themselves
                continue
            block_xor ^= words[index]
            column_xor[position] ^= words[index]
        if block_xor.bit_count() & 1:
            ecc ^= (((~block) & 0x1FF) << 23) | ((block & 0x1FF) << 7)

    def odd(value):
        return value.bit_count() & 1

    if odd(column_xor[0] ^ column_xor[1]):
        ecc ^= 0x00400000
    if odd(column_xor[0] ^ column_xor[2]):
        ecc ^= 0x00200000
    if odd(column_xor[1] ^ column_xor[3]):
        ecc ^= 0x00000020
    if odd(column_xor[2] ^ column_xor[3]):
        ecc ^= 0x00000040
    total = column_xor[0] ^ column_xor[1] ^ column_xor[2] ^ column_xor[3]
    bit_code = 0
    for bit in range(32):
        if total >> bit & 1:
            bit_code ^= (((~bit) & 0xFFFF) << 16) | bit
    if size < 8192:
        ecc &= ~(size << 19) & 0xFFFFFFFF
    ecc = (ecc & ~0x001F001F) | (bit_code & 0x001F001F)
    return (pgno ^ total) & 0xFFFFFFFF, ecc & 0xFFFFFFFF


# ---------------------------------------------------------------------------------------------
# Pages


def page_capacity(page_size):
    return page_size - PAGE_HEADER_SIZE


def values_size(values):
    """Bytes a list of page values takes: the data plus a 4-byte tag each."""
    return sum(len(value) + 4 for value in values)


def build_page(page_size, pgno, objid, flags, values, dbtime, previous=0, following=0):
    """One page: 40-byte header, the values one after another, and their tags (size, offset)
    stored back to front from the end of the page. values[0] is the page's header value."""
    if values_size(values) > page_capacity(page_size):
        raise EseError(f"page {pgno}: {values_size(values)} bytes do not fit")
    page = bytearray(page_size)
    offset = 0
    tags = bytearray()
    for value in values:
        page[PAGE_HEADER_SIZE + offset:PAGE_HEADER_SIZE + offset + len(value)] = value
        tags[0:0] = struct.pack("<HH", len(value), offset)
        offset += len(value)
    page[page_size - len(tags):] = tags
    free = page_capacity(page_size) - values_size(values)
    struct.pack_into("<QIIIHHHHI", page, 8, dbtime, previous, following, objid, free, 0,
                     offset, len(values), flags | PAGE_COMMON_FLAGS)
    xor_checksum, ecc_checksum = page_checksums(bytes(page), pgno)
    struct.pack_into("<II", page, 0, xor_checksum, ecc_checksum)
    return bytes(page)


def root_header(pages, parent_pgno, oe_pgno=None):
    """The 16-byte space header in value 0 of a tree's root page: initial page count, the
    parent tree's root page, then either single extent (flags 0, bitmap of available pages in
    the extent: none here) or multiple extents (flag 1, page of the owned-extent tree; the
    available-extent tree is the page after it)."""
    if oe_pgno is None:
        return struct.pack("<IIII", pages, parent_pgno, 0, 0)
    return struct.pack("<IIII", pages, parent_pgno, 1, oe_pgno)


def leaf_entry(key, data):
    return struct.pack("<H", len(key)) + key + data


def branch_entry(key, child_pgno):
    return struct.pack("<H", len(key)) + key + struct.pack("<I", child_pgno)


def space_entries(extents):
    """Space tree entries: key = last page of the extent (big-endian), data = its page count."""
    return [leaf_entry(struct.pack(">I", first + count - 1), struct.pack("<I", count))
            for first, count in extents]


def pack_leaves(entries, page_size, root_value_size):
    """Group sorted leaf entries into pages. Returns [entries] when they all fit in the root
    page next to its header, else one list per leaf page (each leaf page has an empty value 0
    where ESE would keep the common key prefix)."""
    capacity = page_capacity(page_size)
    if root_value_size + 4 + values_size(entries) <= capacity:
        return [entries]
    leaves, current, used = [], [], 4
    for entry in entries:
        if 4 + len(entry) + 4 > capacity:
            raise EseError(f"a row of {len(entry)} bytes does not fit in a {page_size}-byte "
                           "page (long values are stored inline here)")
        if used + len(entry) + 4 > capacity:
            leaves.append(current)
            current, used = [], 4
        current.append(entry)
        used += len(entry) + 4
    leaves.append(current)
    return leaves


@dataclass
class Tree:
    """A B-tree to write: its object id, sorted (key, data) entries, and where it goes."""
    objid: int
    entries: list
    parent_pgno: int
    root_pgno: int = 0
    leaf_flags: int = 0             # PAGE_INDEX for index trees
    leaves: list = None             # entry groups from pack_leaves
    leaf_pgnos: list = None
    oe_pgno: int = None             # multiple-extent trees have owned/available space trees
    extents: list = None            # [(first page, count)] owned
    available: list = None          # [(first page, count)] owned but unused

    def plan(self, page_size):
        raw = [leaf_entry(key, data) for key, data in self.entries]
        self.leaves = pack_leaves(raw, page_size, 16)

    def render(self, page_size, next_dbtime):
        pages = {}
        cpg = sum(count for _, count in self.extents)
        header = root_header(cpg, self.parent_pgno, self.oe_pgno)
        if len(self.leaves) == 1:
            pages[self.root_pgno] = build_page(
                page_size, self.root_pgno, self.objid, PAGE_ROOT | PAGE_LEAF | self.leaf_flags,
                [header] + self.leaves[0], next_dbtime())
        else:
            branch = []
            for number, pgno in enumerate(self.leaf_pgnos):
                if number + 1 < len(self.leaves):
                    # separator: the first key of the next leaf (keys in this leaf are smaller)
                    separator = self.entries[sum(len(g) for g in self.leaves[:number + 1])][0]
                else:
                    separator = b""
                branch.append(branch_entry(separator, pgno))
            if len(header) + 4 + values_size(branch) > page_capacity(page_size):
                raise EseError(f"{len(self.leaves)} leaf pages are more than one root branch "
                               "page can point to (this writer makes two-level trees only)")
            pages[self.root_pgno] = build_page(
                page_size, self.root_pgno, self.objid,
                PAGE_ROOT | PAGE_PARENT_OF_LEAF | self.leaf_flags, [header] + branch,
                next_dbtime())
            for number, (pgno, group) in enumerate(zip(self.leaf_pgnos, self.leaves)):
                previous = self.leaf_pgnos[number - 1] if number else 0
                following = self.leaf_pgnos[number + 1] if number + 1 < len(self.leaves) else 0
                pages[pgno] = build_page(page_size, pgno, self.objid, PAGE_LEAF | self.leaf_flags,
                                         [b""] + group, next_dbtime(), previous, following)
        if self.oe_pgno is not None:
            for pgno, extents in ((self.oe_pgno, self.extents),
                                  (self.oe_pgno + 1, self.available)):
                pages[pgno] = build_page(page_size, pgno, self.objid,
                                         PAGE_ROOT | PAGE_LEAF | PAGE_SPACE_TREE,
                                         [bytes(16)] + space_entries(extents), next_dbtime())
        return pages


def _extents_of(pages):
    """Sorted page numbers -> [(first, count)] runs."""
    runs = []
    for pgno in sorted(pages):
        if runs and runs[-1][0] + runs[-1][1] == pgno:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((pgno, 1))
    return runs


# ---------------------------------------------------------------------------------------------
# The catalog


def catalog_columns():
    """MSysObjects' own columns as Windows 8 and later define them (format revision 0x14)."""
    fixed = [("ObjidTable", "Long"), ("Type", "Short"), ("Id", "Long"),
             ("ColtypOrPgnoFDP", "Long"), ("SpaceUsage", "Long"), ("Flags", "Long"),
             ("PagesOrLocale", "Long"), ("RootFlag", "Bit"), ("RecordOffset", "Short"),
             ("LCMapFlags", "Long"), ("KeyMost", "UnsignedShort"), ("LVChunkMax", "Long")]
    variable = [("Name", "Text"), ("Stats", "Binary"), ("TemplateTable", "Text"),
                ("DefaultValue", "Binary"), ("KeyFldIDs", "Binary"), ("VarSegMac", "Binary"),
                ("ConditionalColumns", "Binary"), ("TupleLimits", "Binary"),
                ("Version", "Binary"), ("SortID", "Binary")]
    tagged = ["CallbackData", "CallbackDependencies", "SeparateLV", "SpaceHints",
              "SpaceDeferredLVHints", "LocaleName"]
    columns = [Column(name, coltype, id=number, not_null=number <= 7,
                      codepage=1252 if coltype == "Text" else None)
               for number, (name, coltype) in enumerate(fixed, 1)]
    columns += [Column(name, coltype, id=number, not_null=name == "Name",
                       codepage=1252 if coltype == "Text" else None)
                for number, (name, coltype) in enumerate(variable, 128)]
    columns += [Column(name, "LongBinary", id=number) for number, name in enumerate(tagged, 256)]
    for column in columns:
        column.resolve()
    return columns


def _catalog_column_row(objid, column, system):
    row = {"ObjidTable": objid, "Type": CATALOG_TYPE_COLUMN, "Id": column.id,
           "ColtypOrPgnoFDP": column.coltype, "SpaceUsage": column.size,
           "Flags": COLUMN_FLAG_NOT_NULL if column.not_null else 0,
           # Windows writes codepage 1252 for every column of the catalog tables
           "PagesOrLocale": 1252 if system else column.codepage,
           "Name": column.name}
    if column.kind == FIXED:
        # where the value sits in a record; the catalog tables' own columns all say 4
        row["RecordOffset"] = 4 if system else column.record_offset
    return row


def _catalog_index_row(objid, index_objid, name, fdp_pgno, flags, key_column_ids):
    return {"ObjidTable": objid, "Type": CATALOG_TYPE_INDEX, "Id": index_objid,
            "ColtypOrPgnoFDP": fdp_pgno, "SpaceUsage": TABLE_DENSITY, "Flags": flags,
            "PagesOrLocale": 0, "LCMapFlags": INDEX_LCMAP_FLAGS, "Name": name,
            "KeyFldIDs": b"".join(struct.pack("<HH", 0, i) for i in key_column_ids),
            "LocaleName": INDEX_LOCALE_NAME.encode("utf-16-le")}


def _catalog_table_row(objid, name, fdp_pgno, pages, flags):
    return {"ObjidTable": objid, "Type": CATALOG_TYPE_TABLE, "Id": objid,
            "ColtypOrPgnoFDP": fdp_pgno, "SpaceUsage": TABLE_DENSITY, "Flags": flags,
            "PagesOrLocale": pages, "RootFlag": True, "Name": name}


# ---------------------------------------------------------------------------------------------
# File header


def _logtime(moment):
    """LOGTIME: seconds, minutes, hours, day, month, years since 1900, two zero bytes."""
    if moment is None:
        return bytes(8)
    return bytes([moment.second, moment.minute, moment.hour, moment.day, moment.month,
                  moment.year - 1900, 0, 0])


def _signature(random_word, moment):
    """JET_SIGNATURE: a random number, a creation time and a 16-byte computer name (empty)."""
    return struct.pack("<I", random_word) + _logtime(moment) + bytes(16)


def _lgpos(sector, generation):
    return struct.pack("<HHI", 0, sector, generation)


def build_file_header(page_size, dbtime, last_objid, dirty, created, seed):
    """The database file header (page size bytes, the rest zero), state clean (3) or dirty (2).
    A clean header has its consistent and detach positions set; a dirty one has them empty and
    requires log generation 1, as a database left open by a crashed program does."""
    randoms = struct.unpack("<4I", hashlib.sha256(seed).digest()[:16])
    attached = created
    detached = created + datetime.timedelta(minutes=1)
    header = bytearray(page_size)
    struct.pack_into("<IIiQ", header, 4, HEADER_SIGNATURE, FORMAT_VERSION, 0, dbtime)
    header[24:52] = _signature(randoms[0], created)
    struct.pack_into("<I", header, 52, STATE_DIRTY_SHUTDOWN if dirty else STATE_CLEAN_SHUTDOWN)
    if not dirty:
        header[56:64] = _lgpos(0x16, 1)                 # consistent position and time
        header[64:72] = _logtime(detached)
    header[72:80] = _logtime(attached)
    header[80:88] = _lgpos(0x14, 1)
    if not dirty:
        header[88:96] = _logtime(detached)
        header[96:104] = _lgpos(0x16, 1)
    struct.pack_into("<I", header, 104, 1)              # dbid
    header[108:136] = _signature(randoms[1], created)   # log signature
    struct.pack_into("<IIIIiII", header, 212, last_objid, 6, 2, 9200, 0, FORMAT_REVISION,
                     page_size)                         # OS 6.2.9200 SP0 as in the corpus
    if dirty:
        struct.pack_into("<ii", header, 296, 1, 1)      # logs required: 1-1
        struct.pack_into("<i", header, 416, 1)          # last committed generation
        struct.pack_into("<i", header, 640, 1)          # minimum consistent generation
    struct.pack_into("<II", header, 340, FORMAT_VERSION, FORMAT_REVISION)
    struct.pack_into("<Q", header, 508, 0xFFFFFFFFFFFFFFFF)   # sort version: "not recorded"
    header[584:612] = _signature(randoms[2], detached)  # header flush signature
    header[612:640] = _signature(randoms[3], detached)  # flush map header signature
    struct.pack_into("<I", header, 667, 1)              # file type: database (unaligned)
    struct.pack_into("<I", header, 0, header_checksum(bytes(header)))
    return bytes(header)


# ---------------------------------------------------------------------------------------------
# The database


def _table_tree(table, objid, page_size):
    """Encode a table's rows into sorted (key, record) entries."""
    by_name = {column.name: column for column in table.columns}
    key_names = table.primary_key
    if isinstance(key_names, str):
        key_names = [key_names]
    if not key_names:
        raise EseError(f"table {table.name}: a primary key (integer columns) is required")
    key_columns = []
    for name in key_names:
        if name not in by_name:
            raise EseError(f"table {table.name}: key column {name} is not a column")
        column = by_name[name]
        if column.coltype != COLTYP_BIT and column.coltype not in INTEGER_COLTYPS:
            raise EseError(f"table {table.name}: key column {name} must be an integer")
        key_columns.append(column)
    table.key_columns = key_columns
    entries = []
    order = [column.name for column in table.columns]
    for number, row in enumerate(table.rows):
        if not isinstance(row, dict):
            row = dict(zip(order, row))
        unknown = set(row) - set(by_name)
        if unknown:
            raise EseError(f"table {table.name}: row {number}: unknown columns {sorted(unknown)}")
        values = {by_name[name].id: encode_value(by_name[name], value)
                  for name, value in row.items()}
        for column in table.columns:
            if column.not_null and values.get(column.id) is None:
                raise EseError(f"table {table.name}: row {number}: {column.name} is NOT NULL")
        key = b""
        for column in key_columns:
            if values.get(column.id) is None:
                raise EseError(f"table {table.name}: row {number}: key {column.name} is NULL")
            key += normalize_key_segment(column.coltype, values[column.id])
        entries.append((key, encode_record(table.columns, values)))
    entries.sort()
    for (key, _), (next_key, _) in zip(entries, entries[1:]):
        if key == next_key:
            raise EseError(f"table {table.name}: duplicate primary key {key.hex()}")
    tree = Tree(objid, entries, PGNO_DATABASE)
    tree.plan(page_size)
    return tree


def _catalog_rows(tables, trees, catalog_columns_list):
    """Every catalog row: the two catalog tables describing themselves, then each table."""
    rows = []
    for objid, name, fdp_pgno, pages in ((OBJID_CATALOG, "MSysObjects", PGNO_CATALOG,
                                          PGNO_CATALOG_LAST - PGNO_CATALOG + 1),
                                         (OBJID_SHADOW, "MSysObjectsShadow", PGNO_SHADOW,
                                          SHADOW_PRIMARY_PAGES)):
        rows.append(_catalog_table_row(objid, name, fdp_pgno, pages, SYSTEM_TABLE_FLAGS))
        rows += [_catalog_column_row(objid, column, True) for column in catalog_columns_list]
        rows.append(_catalog_index_row(objid, objid, "Id", fdp_pgno, INDEX_FLAGS_CATALOG_ID,
                                       [1, 2, 3]))
        if objid == OBJID_CATALOG:
            rows.append(_catalog_index_row(objid, OBJID_CATALOG_NAME_INDEX, "Name",
                                           PGNO_CATALOG_NAME_INDEX, INDEX_FLAGS_CATALOG_NAME,
                                           [1, 2, 128]))
            rows.append(_catalog_index_row(objid, OBJID_CATALOG_ROOT_OBJECTS_INDEX,
                                           "RootObjects", PGNO_CATALOG_ROOT_OBJECTS_INDEX,
                                           INDEX_FLAGS_CATALOG_ROOT_OBJECTS, [8, 128]))
    for table, tree in zip(tables, trees):
        pages = sum(count for _, count in tree.extents) if tree.extents else 1
        rows.append(_catalog_table_row(tree.objid, table.name, tree.root_pgno, pages, 0))
        rows += [_catalog_column_row(tree.objid, column, False) for column in table.columns]
        rows.append(_catalog_index_row(tree.objid, tree.objid,
                                       table.index_name or "PrimaryKey", tree.root_pgno,
                                       INDEX_FLAGS_PRIMARY,
                                       [column.id for column in table.key_columns]))
    return rows


def _catalog_trees(rows, catalog_columns_list, page_size):
    """The catalog, its shadow copy, and the catalog's Name and RootObjects indexes."""
    by_name = {column.name: column for column in catalog_columns_list}
    entries, name_entries, root_entries = [], [], []
    for row in rows:
        values = {by_name[name].id: encode_value(by_name[name], value)
                  for name, value in row.items()}
        key = _catalog_key(row["ObjidTable"], row["Type"], row["Id"])
        entries.append((key, encode_record(catalog_columns_list, values)))
        name_key = (key[:8] + normalize_ascii_text(row["Name"]))   # ObjidTable, Type, Name
        name_entries.append((name_key, key))
        if row.get("RootFlag"):
            root_entries.append((bytes([KEY_PREFIX_DATA, 0xFF]) + normalize_ascii_text(
                row["Name"]), key))
    for index_entries, what in ((entries, "catalog"), (name_entries, "object names"),
                                (root_entries, "table names")):
        index_entries.sort()
        for (key, _), (next_key, _) in zip(index_entries, index_entries[1:]):
            if key == next_key:
                raise EseError(f"duplicate {what} key {key.hex()} (a name used twice?)")
    catalog = Tree(OBJID_CATALOG, entries, PGNO_DATABASE, PGNO_CATALOG)
    shadow = Tree(OBJID_SHADOW, list(entries), PGNO_DATABASE, PGNO_SHADOW)
    name_index = Tree(OBJID_CATALOG_NAME_INDEX, name_entries, PGNO_CATALOG,
                      PGNO_CATALOG_NAME_INDEX, PAGE_INDEX)
    root_index = Tree(OBJID_CATALOG_ROOT_OBJECTS_INDEX, root_entries, PGNO_CATALOG,
                      PGNO_CATALOG_ROOT_OBJECTS_INDEX, PAGE_INDEX)
    for tree in (catalog, shadow, name_index, root_index):
        tree.plan(page_size)
    for tree in (name_index, root_index):
        if len(tree.leaves) != 1:
            raise EseError("too many tables and columns: the catalog's indexes must fit one page")
    return catalog, shadow, name_index, root_index


def _place_catalog(catalog, shadow, name_index, root_index):
    """Page numbers of the catalog trees, fixed as Windows lays out a new database."""
    catalog.oe_pgno = PGNO_CATALOG + 1
    extent = list(range(PGNO_CATALOG, PGNO_CATALOG_LAST + 1))
    leaves = 0 if len(catalog.leaves) == 1 else len(catalog.leaves)
    if PGNO_CATALOG_FIRST_LEAF + leaves - 1 > PGNO_CATALOG_LAST:
        raise EseError("the catalog needs more than 11 leaf pages: too many tables/columns")
    catalog.leaf_pgnos = list(range(PGNO_CATALOG_FIRST_LEAF, PGNO_CATALOG_FIRST_LEAF + leaves))
    catalog.extents = [(PGNO_CATALOG, len(extent))]
    used = {PGNO_CATALOG, PGNO_CATALOG + 1, PGNO_CATALOG + 2, *catalog.leaf_pgnos,
            *range(PGNO_CATALOG_NAME_INDEX, PGNO_CATALOG_FIRST_LEAF)}
    catalog.available = _extents_of(set(extent) - used)
    for index, root in ((name_index, PGNO_CATALOG_NAME_INDEX),
                        (root_index, PGNO_CATALOG_ROOT_OBJECTS_INDEX)):
        index.oe_pgno = root + 1
        index.extents = [(root, 3)]
        index.available = []
    shadow.oe_pgno = PGNO_SHADOW + 1
    first_leaf = PGNO_SHADOW + 3
    shadow.leaf_pgnos = list(range(first_leaf, first_leaf + leaves))
    owned = max(SHADOW_PRIMARY_PAGES, 3 + leaves)
    shadow.extents = [(PGNO_SHADOW, owned)]
    shadow.available = _extents_of(set(range(first_leaf + leaves, PGNO_SHADOW + owned)))
    return PGNO_SHADOW + owned          # first page after the catalog trees


def _place_table(tree, first_pgno):
    """Give a table tree a contiguous run of pages from first_pgno; returns the next free page.
    Up to 32 pages the root's space header covers them as a single extent; beyond that the
    tree gets owned/available space tree pages right after its root."""
    tree.root_pgno = first_pgno
    leaves = 0 if len(tree.leaves) == 1 else len(tree.leaves)
    if 1 + leaves <= SINGLE_EXTENT_MAX_PAGES:
        tree.leaf_pgnos = list(range(first_pgno + 1, first_pgno + 1 + leaves))
        tree.extents = [(first_pgno, 1 + leaves)]
        return first_pgno + 1 + leaves
    tree.oe_pgno = first_pgno + 1
    tree.leaf_pgnos = list(range(first_pgno + 3, first_pgno + 3 + leaves))
    tree.extents = [(first_pgno, 3 + leaves)]
    tree.available = []
    return first_pgno + 3 + leaves


DEFAULT_CREATED = datetime.datetime(2012, 6, 1, 9, 30, 0)


def build_database(tables, page_size=8192, dirty=False, created=DEFAULT_CREATED):
    """The bytes of a database holding these tables (see write_database)."""
    if page_size not in PAGE_SIZES:
        raise EseError(f"page size must be one of {PAGE_SIZES}")
    names = [table.name for table in tables]
    if len({name.upper() for name in names}) != len(names):
        raise EseError("table names must differ (case-insensitively)")
    for table in tables:
        if not table.name.isascii() or table.name.upper().startswith("MSYS"):
            raise EseError(f"table name {table.name!r}: ASCII, and not a system table name")
        _assign_column_ids(table)

    trees = [_table_tree(table, FIRST_USER_OBJID + number, page_size)
             for number, table in enumerate(tables)]
    catalog_columns_list = catalog_columns()

    # The catalog's size does not depend on the page numbers it records, so lay it out once
    # with placeholders to learn how many pages it takes, then place the tables after it.
    for tree in trees:
        tree.root_pgno = 0
    catalog, shadow, name_index, root_index = _catalog_trees(
        _catalog_rows(tables, trees, catalog_columns_list), catalog_columns_list, page_size)
    next_pgno = _place_catalog(catalog, shadow, name_index, root_index)
    for tree in trees:
        next_pgno = _place_table(tree, next_pgno)
    last_pgno = next_pgno - 1

    final = _catalog_trees(_catalog_rows(tables, trees, catalog_columns_list),
                           catalog_columns_list, page_size)
    if [len(t.leaves) for t in final] != [len(t.leaves) for t in (catalog, shadow, name_index,
                                                                    root_index)]:
        raise EseError("internal: catalog layout changed between passes")
    for placed, tree in zip((catalog, shadow, name_index, root_index), final):
        placed.entries, placed.leaves = tree.entries, tree.leaves

    dbtime = [0x20]

    def next_dbtime():
        dbtime[0] += 1
        return dbtime[0]

    pages = {}
    database = Tree(OBJID_DATABASE, [], 0, PGNO_DATABASE, oe_pgno=PGNO_DATABASE + 1)
    database.leaves = [[]]
    database.extents = [(PGNO_DATABASE, last_pgno)]
    database.available = []
    for tree in [database, catalog, name_index, root_index, shadow] + trees:
        pages.update(tree.render(page_size, next_dbtime))

    header = build_file_header(page_size, dbtime[0], FIRST_USER_OBJID + len(tables) - 1, dirty,
                               created, repr((names, page_size)).encode())
    body = bytearray(page_size * (last_pgno + 2))
    body[0:page_size] = header
    body[page_size:2 * page_size] = header
    for pgno, page in pages.items():
        body[(pgno + 1) * page_size:(pgno + 2) * page_size] = page
    return bytes(body)


def write_database(path, tables, page_size=8192, dirty=False, created=DEFAULT_CREATED):
    """Write tables (a list of Table) to an ESE database file at path.

    page_size: 8192 (as Windows Live Mail's store) or 4096. dirty: mark the database as not
    cleanly shut down (state 2), as a store copied while Windows Live Mail ran would be.
    created: the creation time recorded in the header (fixed by default: output is
    deterministic). Raises EseError when a definition or a row cannot be stored.
    """
    data = build_database(tables, page_size, dirty, created)
    with open(path, "wb") as output:
        output.write(data)
