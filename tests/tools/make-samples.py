#!/usr/bin/env python3
"""Write wlmigrate's own sample stores under samples/.

There is no public Windows Live Mail store to test against, so this script invents one: every
person, address, message and byte below is made up here (example.com / example.ne.jp / example.jp
domains), nothing is copied from elsewhere. It deletes and rewrites, relative to the repository
root:

  samples/wlm-store/           a WLM 2012 store (two accounts, IMAP mirror, Storage Folders,
                               side files and a Backup tree that must be ignored)
  samples/windows-mail-store/  a small Windows Mail (Vista) store
  samples/eml-tree/            .eml files as a user exports them by drag and drop

The output is deterministic: fixed dates, no randomness (the "random-looking" bytes come from
SHA-256 of fixed strings), fixed file modes and mtimes. It ends with a self-check that parses every
message, decodes every Japanese header and body with an ISO-2022-JP decoder written here (the
CP50220/CP50221 flavour Japanese Windows mailers write, which Python's iso2022_jp codec cannot
encode), and exits non-zero if anything is off. samples/README.md describes every file.

Usage: python3 tests/tools/make-samples.py
Standard library only.
"""

import base64
import email
import email.policy
import email.utils
import hashlib
import importlib.util
import json
import os
import quopri
import re
import shutil
import struct
import sys
import tempfile
import textwrap
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape as xml_escape

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = os.path.join(REPO, "samples")
TREES = ("wlm-store", "windows-mail-store", "eml-tree")

# mtime of every directory and side file: 2024-04-01 00:00:00 UTC
FIXED_MTIME = 1711929600
FILE_MODE, DIR_MODE = 0o644, 0o755
SIZE_LIMIT = 512 * 1024   # the ESE database is most of it: 8 KB pages


def at(y, mo, d, h, mi, s=0, tz=9):
    """A fixed point in time; Japan (+0900) unless told otherwise."""
    return datetime(y, mo, d, h, mi, s, tzinfo=timezone(timedelta(hours=tz)))


def date_header(dt):
    """RFC 5322 date the way Outlook/WLM write it: 'Mon, 4 Mar 2024 10:15:00 +0900'."""
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    minutes = int(dt.utcoffset().total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    zone = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    return (f"{days[dt.weekday()]}, {dt.day} {months[dt.month - 1]} {dt.year} "
            f"{dt:%H:%M:%S} {zone}")


def pseudo_random(seed, n):
    """n random-looking but fixed bytes."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}/{i}".encode()).digest()
        i += 1
    return bytes(out[:n])


def T(text):
    """Dedent a triple-quoted body and make it end with exactly one newline."""
    return textwrap.dedent(text).strip("\n") + "\n"


# --------------------------------------------------------------------------------------------
# Japanese encodings as Japanese Windows writes them
# --------------------------------------------------------------------------------------------

ESC_ASCII, ESC_JIS, ESC_KANA = b"\x1b(B", b"\x1b$B", b"\x1b(I"


def _cp932_table(leads):
    """Character -> its two-byte CP932 code, for the given lead bytes."""
    table = {}
    for lead in leads:
        for trail in range(0x40, 0xFD):
            try:
                ch = bytes((lead, trail)).decode("cp932")
            except UnicodeDecodeError:
                continue
            table.setdefault(ch, bytes((lead, trail)))
    return table


# IBM extensions appear twice in CP932: FA40-FC4B (IBM) and ED40-EEFC (NEC-selected IBM).
# Only the NEC-selected copy has a JIS X 0208 position (rows 89-92); Windows' own CP932 encoder
# emits the IBM copy.
NEC_SELECTED = _cp932_table((0xED, 0xEE))
IBM_EXTENSION = _cp932_table((0xFA, 0xFB, 0xFC))


def cp932_windows(text):
    """Text -> CP932 bytes as Windows writes them ("Shift_JIS" mail): IBM extensions as FA-FC."""
    out = bytearray()
    for ch in text:
        b = ch.encode("cp932")
        if len(b) == 2 and b[0] in (0xED, 0xEE) and ch in IBM_EXTENSION:
            b = IBM_EXTENSION[ch]
        out += b
    return bytes(out)


def _sjis_to_jis(s1, s2):
    """Inverse of the JIS -> Shift_JIS formula in doc/JAPANESE.md."""
    j1 = (s1 - (0x70 if s1 <= 0x9F else 0xB0)) * 2
    if s2 < 0x9F:
        j1 -= 1
        j2 = s2 - (0x1F if s2 < 0x80 else 0x20)
    else:
        j2 = s2 - 0x7E
    if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
        raise ValueError(f"Shift_JIS {s1:02X}{s2:02X} has no JIS X 0208 position")
    return bytes((j1, j2))


def _jis_line(line):
    out, mode = bytearray(), ESC_ASCII
    for ch in line:
        if ord(ch) < 0x80:
            want, code = ESC_ASCII, ch.encode("ascii")
        elif 0xFF61 <= ord(ch) <= 0xFF9F:                 # half-width katakana
            want, code = ESC_KANA, bytes((ch.encode("cp932")[0] - 0x80,))
        else:
            sjis = ch.encode("cp932")
            if sjis[0] in (0xFA, 0xFB, 0xFC):               # IBM copy: use the NEC-selected one
                sjis = NEC_SELECTED[ch]
            want, code = ESC_JIS, _sjis_to_jis(sjis[0], sjis[1])
        if want != mode:
            out += want
            mode = want
        out += code
    if mode != ESC_ASCII:
        out += ESC_ASCII
    return bytes(out)


def iso2022jp(text):
    """Text -> ISO-2022-JP as CP50221 writes it (NEC row 13, rows 89-92, ESC ( I katakana).
    Every line ends back in ASCII, as RFC 1468 requires."""
    return b"\n".join(_jis_line(line) for line in text.split("\n"))


def decode_iso2022jp(data):
    """The decoder doc/JAPANESE.md describes, kept independent of the encoder. Strict: raises
    ValueError on any byte it cannot place, and if a line ends outside ASCII."""
    escapes = {b"\x1b(B": "ascii", b"\x1b(J": "ascii", b"\x1b$B": "jis", b"\x1b$@": "jis",
               b"\x1b(I": "kana"}
    out, mode, i = bytearray(), "ascii", 0
    while i < len(data):
        b = data[i]
        if b == 0x1B:
            seq = bytes(data[i:i + 3])
            if seq not in escapes:
                raise ValueError(f"unknown escape {seq!r} at {i}")
            mode = escapes[seq]
            i += 3
        elif b in (0x0A, 0x0D):
            if mode != "ascii":
                raise ValueError(f"line ends in {mode} mode at {i}")
            out.append(b)
            i += 1
        elif mode == "ascii":
            if b >= 0x80:
                raise ValueError(f"8-bit byte {b:02X} at {i}")
            out.append(b)
            i += 1
        elif mode == "kana":
            if not 0x21 <= b <= 0x5F:
                raise ValueError(f"bad katakana byte {b:02X} at {i}")
            out.append(b + 0x80)
            i += 1
        else:
            if i + 1 >= len(data) or not (0x21 <= b <= 0x7E and 0x21 <= data[i + 1] <= 0x7E):
                raise ValueError(f"bad JIS pair at {i}")
            j1, j2 = b, data[i + 1]
            out.append(((j1 + 1) >> 1) + (0x70 if j1 <= 0x5E else 0xB0))
            out.append(j2 + ((0x1F if j2 <= 0x5F else 0x20) if j1 & 1 else 0x7E))
            i += 2
    if mode != "ascii":
        raise ValueError("data ends outside ASCII mode")
    return out.decode("cp932")


# Charset label -> how to make bytes / how to read them back (the self-check's side).
ENCODERS = {"iso-2022-jp": iso2022jp, "shift_jis": cp932_windows,
            "euc-jp": lambda s: s.encode("euc_jp"), "utf-8": lambda s: s.encode("utf-8"),
            "us-ascii": lambda s: s.encode("ascii")}
DECODERS = {"iso-2022-jp": decode_iso2022jp, "shift_jis": lambda b: b.decode("cp932"),
            "euc-jp": lambda b: b.decode("euc_jp"), "utf-8": lambda b: b.decode("utf-8"),
            "us-ascii": lambda b: b.decode("ascii")}


def encode_text(text, charset):
    return ENCODERS[charset.lower()](text)


# --------------------------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------------------------

def _b_word(charset, data):
    return f"=?{charset}?B?{base64.b64encode(data).decode()}?="


def _q_word(charset, data):
    safe = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!*+-/"
    q = "".join("_" if c == 0x20 else chr(c) if c in safe else f"={c:02X}" for c in data)
    return f"=?{charset}?Q?{q}?="


def encoded_words(text, charset="ISO-2022-JP", q=False, limit=75):
    """RFC 2047 words, each at most `limit` long and each complete in itself (split between
    characters; ISO-2022-JP words start and end in ASCII)."""
    make = _q_word if q else _b_word

    def word(chunk):
        return make(charset, encode_text(chunk, charset))

    words, chunk = [], ""
    for ch in text:
        if chunk and len(word(chunk + ch)) > limit:
            words.append(word(chunk))
            chunk = ch
        else:
            chunk += ch
    words.append(word(chunk))
    return words


def ew(text, charset="ISO-2022-JP", q=False):
    """A header value made of encoded words, folded one word per line."""
    return "\n ".join(encoded_words(text, charset, q))


def person(name, addr, charset="ISO-2022-JP"):
    if name.isascii():
        return f'"{name}" <{addr}>'
    return f"{ew(name, charset)} <{addr}>"


def received(from_host, ip, by_host, dt):
    return f"from {from_host} ({from_host} [{ip}])\n\tby {by_host} with ESMTP; {date_header(dt)}"


def wlm_message_id(label, machine):
    """Message-ID in the form WLM writes: 32 upper-case hex digits @ the PC's name."""
    return f"<{hashlib.sha256(label.encode()).hexdigest()[:32].upper()}@{machine}>"


def rfc2231(text):
    return "UTF-8''" + "".join(
        chr(c) if chr(c).isalnum() and c < 0x80 or chr(c) in "-._" else f"%{c:02X}"
        for c in text.encode("utf-8"))


WLM_HEADERS = [("X-Priority", "3"), ("X-MSMail-Priority", "Normal"), ("Importance", "Normal"),
               ("X-Mailer", "Microsoft Windows Live Mail 16.4.3528.331"),
               ("X-MimeOLE", "Produced By Microsoft MimeOLE V16.4.3528.331")]
VISTA_HEADERS = [("X-Priority", "3"), ("X-MSMail-Priority", "Normal"),
                 ("X-Mailer", "Microsoft Windows Mail 6.0.6000.16386"),
                 ("X-MimeOLE", "Produced By Microsoft MimeOLE V6.0.6000.16386")]


def text_type(subtype, charset, cte):
    """Content-Type and -Transfer-Encoding of a text part, folded as WLM folds them."""
    return [("Content-Type", f'text/{subtype};\n\tcharset="{charset}"'),
            ("Content-Transfer-Encoding", cte)]


# --------------------------------------------------------------------------------------------
# Bodies and MIME structure. Everything is built with "\n" line ends; mail() converts at the end.
# --------------------------------------------------------------------------------------------

def b64_body(data):
    return base64.encodebytes(data)                        # 76-column lines


def qp_body(data):
    return quopri.encodestring(data)


def entity(headers, body=b""):
    """Header block, blank line, body. Values are ASCII str (with "\n\t" folds) or raw bytes."""
    out = bytearray()
    for name, value in headers:
        out += name.encode("ascii") + b": "
        out += value if isinstance(value, bytes) else value.encode("ascii")
        out += b"\n"
    return bytes(out) + b"\n" + body


def multipart(boundary, parts, preamble=b"This is a multi-part message in MIME format.\n\n"):
    out = bytearray(preamble)
    for part in parts:
        out += b"--" + boundary.encode() + b"\n" + part + b"\n"
    out += b"--" + boundary.encode() + b"--\n"
    return bytes(out)


def mail(headers, body, eol=b"\r\n", final_eol=True):
    data = entity(headers, body)
    if not final_eol:
        data = data.rstrip(b"\n")
    return data.replace(b"\n", eol)


def header_only(headers):
    """What WLM keeps of an IMAP message whose body was never downloaded: the header block
    ending in one CRLF, no blank line, no body."""
    return entity(headers)[:-1].replace(b"\n", b"\r\n")


# --------------------------------------------------------------------------------------------
# Binary fixtures
# --------------------------------------------------------------------------------------------

def fake_pdf():
    """About 2 KB: a structurally valid one-page PDF plus a stream of binary filler."""
    filler = pseudo_random("pdf filler", 1640)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Length %d >>\nstream\n" % len(filler) + filler + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def _png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data)))


def _zlib_stored(raw):
    """zlib stream with one stored (uncompressed) deflate block: identical bytes from any zlib."""
    assert len(raw) <= 0xFFFF
    return (b"\x78\x01" + b"\x01" + struct.pack("<HH", len(raw), len(raw) ^ 0xFFFF) + raw
            + struct.pack(">I", zlib.adler32(raw)))


def hinomaru_png(width=24, height=16):
    """A tiny valid PNG: a red disc on white, 8-bit palette."""
    rows = bytearray()
    radius2 = (height * 0.3) ** 2
    for y in range(height):
        rows.append(0)                                     # filter: none
        for x in range(width):
            dx, dy = x - (width - 1) / 2, y - (height - 1) / 2
            rows.append(1 if dx * dx + dy * dy <= radius2 else 0)
    return (b"\x89PNG\r\n\x1a\n"
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
            + _png_chunk(b"PLTE", bytes((255, 255, 255, 188, 0, 45)))
            + _png_chunk(b"IDAT", _zlib_stored(bytes(rows)))
            + _png_chunk(b"IEND", b""))


def ese_like(size, file_type, fill=b"", note=b""):
    """Bytes that start like an ESE file (XOR checksum, signature EF CD AB 89 at offset 4,
    format version 0x620, file type). Not a real checkpoint, log or database."""
    data = bytearray(size)
    struct.pack_into("<4sII", data, 4, b"\xef\xcd\xab\x89", 0x620, file_type)
    data[512:512 + len(note)] = note
    data[1024:1024 + len(fill)] = fill
    checksum = 0x89ABCDEF
    for (word,) in struct.iter_unpack("<I", bytes(data[4:4096])):
        checksum ^= word
    struct.pack_into("<I", data, 0, checksum)
    return bytes(data)


def dpapi_like(seed, length=178):
    """Stands for a DPAPI password blob: the DPAPI header, then fixed noise. Not a secret."""
    provider = bytes.fromhex("d08c9ddf0115d1118c7a00c04fc297eb")
    return b"\x01\x00\x00\x00" + provider + pseudo_random(seed, length - 20)


def filetime(dt):
    return struct.pack("<Q", int(dt.timestamp()) * 10_000_000 + 116444736000000000)


# --------------------------------------------------------------------------------------------
# .oeaccount
# --------------------------------------------------------------------------------------------

def SZ(name, value):
    return (name, "SZ", value)


def DWORD(name, value):
    return (name, "DWORD", f"{value:08x}")


def BINARY(name, value):
    return (name, "BINARY", value.hex())


def oeaccount(settings):
    """UTF-16LE with BOM, CRLF, one element per (non-default) setting."""
    lines = ['<?xml version="1.0" encoding="utf-16" ?>', "<MessageAccount>"]
    lines += [f'    <{name} type="{kind}">{xml_escape(value)}</{name}>'
              for name, kind, value in settings]
    lines.append("</MessageAccount>")
    return b"\xff\xfe" + ("\r\n".join(lines) + "\r\n").encode("utf-16-le")


# --------------------------------------------------------------------------------------------
# The collection of files to write, with what the self-check should expect of each
# --------------------------------------------------------------------------------------------

@dataclass
class Sample:
    data: bytes
    mtime: int
    kind: str = "mail"           # mail | empty | header-only | no-final-eol | lf-only | side
    subject: str = None          # expected Subject after decoding
    text: str = None             # expected text of the first text/* part after decoding
    raw_subject: str = None      # charset of a raw 8-bit Subject header
    no_date: bool = False
    attachments: dict = field(default_factory=dict)   # filename -> expected bytes


class Tree:
    def __init__(self):
        self.files = {}          # path relative to samples/ -> Sample
        self.dirs = set()

    def mkdir(self, path):
        while path and path not in self.dirs:
            self.dirs.add(path)
            path = os.path.dirname(path)

    def add(self, path, sample):
        assert path not in self.files, path
        self.mkdir(os.path.dirname(path))
        self.files[path] = sample

    def side(self, path, data, mtime=FIXED_MTIME):
        self.add(path, Sample(data, mtime, kind="side"))

    def mail(self, path, data, **expect):
        self.add(path, Sample(data, message_mtime(data), **expect))


def message_mtime(data):
    """A message file's mtime: its Date, else the date of its first Received, else fixed."""
    head = data.split(b"\r\n\r\n")[0].split(b"\n\n")[0].decode("ascii", "replace")
    head = re.sub(r"\r?\n[ \t]+", " ", head)
    date = re.search(r"^Date: (.+)$", head, re.M | re.I)
    if not date:
        date = re.search(r"^Received: .*; (.+)$", head, re.M | re.I)
    if not date:
        return FIXED_MTIME
    return int(email.utils.parsedate_to_datetime(date.group(1).strip()).timestamp())


def eml_name(base, n):
    """WLM-style file name: 8 hex digits, hyphen, 8 hex digits (upper case)."""
    return f"{base + n * 0x1B7:08X}-{n:08X}.eml"


# --------------------------------------------------------------------------------------------
# People (all invented)
# --------------------------------------------------------------------------------------------

TARO = ("山田 太郎", "taro.yamada.example@gmail.com")
HANA = ("佐藤 花子", "hana@example.ne.jp")
TAKASAKI = ("髙﨑 健二", "takasaki@example.jp")        # IBM-extension kanji in his name
SUZUKI = ("鈴木 一郎", "suzuki@example.com")
SACHIKO = ("佐藤 幸子", "sachiko@example.ne.jp")       # Hana's mother
KENTA = ("佐藤 健太", "kenta@example.ne.jp")           # Hana's brother
MISAKI = ("伊藤 美咲", "misaki.ito@example.jp")
WATANABE = ("渡辺 誠", "watanabe@example.com")
JOHN = ("John Smith", "john.smith@example.com")
JIRO = ("田中 次郎", "jiro@example.com")
YAMAMOTO = ("山本 恵", "yamamoto@example.ne.jp")


def P(who, charset="ISO-2022-JP"):
    return person(who[0], who[1], charset)


# --------------------------------------------------------------------------------------------
# samples/wlm-store
# --------------------------------------------------------------------------------------------

WLM = "wlm-store"
GMAIL_DIR = f"{WLM}/Gmail (taro 48a"
POP_DIR = f"{WLM}/example.ne.jp (hana 7c1"
LOCAL = f"{WLM}/Storage Folders"
GMAIL_BASE, LOCAL_BASE = 0x1C3A0000, 0x2E5B0000


def wlm_accounts(tree):
    updated = filetime(at(2024, 3, 1, 9, 0))
    tree.side(f"{GMAIL_DIR}/account{{9C3E1F27-5B84-4D6A-A1E2-3F4B5C6D7E80}}.oeaccount", oeaccount([
        SZ("Account_Name", "Gmail (taro.yamada.example@gmail.com)"),
        BINARY("Last_Updated", updated),
        DWORD("Connection_Type", 3),
        SZ("IMAP_Server", "imap.gmail.com"),
        SZ("IMAP_User_Name", TARO[1]),
        BINARY("IMAP_Password2", dpapi_like("gmail imap password")),
        DWORD("IMAP_Port", 993),
        DWORD("IMAP_Secure_Connection", 1),
        SZ("SMTP_Server", "smtp.gmail.com"),
        DWORD("SMTP_Port", 465),
        DWORD("SMTP_Secure_Connection", 1),
        DWORD("SMTP_Use_Sicily", 2),
        SZ("SMTP_Display_Name", TARO[0]),
        SZ("SMTP_Email_Address", TARO[1]),
    ]))
    tree.side(f"{POP_DIR}/account{{E2B7D4A1-0C3F-4E58-9B6D-7A8F9C0D1E2F}}.oeaccount", oeaccount([
        SZ("Account_Name", "example.ne.jp (hana@example.ne.jp)"),
        BINARY("Last_Updated", updated),
        DWORD("Connection_Type", 3),
        SZ("POP3_Server", "pop.example.ne.jp"),
        SZ("POP3_User_Name", "hana"),
        BINARY("POP3_Password2", dpapi_like("example.ne.jp pop3 password")),
        DWORD("POP3_Port", 995),
        DWORD("POP3_Secure_Connection", 1),
        DWORD("Leave_Mail_On_Server", 1),
        SZ("SMTP_Server", "smtp.example.ne.jp"),
        DWORD("SMTP_Port", 587),
        DWORD("SMTP_Secure_Connection", 1),
        SZ("SMTP_User_Name", "hana-smtp"),
        DWORD("SMTP_Use_Sicily", 3),
        SZ("SMTP_Display_Name", HANA[0]),
        SZ("SMTP_Email_Address", HANA[1]),
        SZ("SMTP_Reply_To_Email_Address", "hana.reply@example.ne.jp"),
        SZ("SMTP_Organization_Name", "株式会社サンプル商事"),
    ]))


def gmail_received(sender_host, ip, dt):
    return [("Delivered-To", TARO[1]),
            ("Received", received(sender_host, ip, "mx.google.com", dt + timedelta(seconds=3)))]


# The message with every Windows extension character; also copied to [Gmail]/All Mail.
MSG01_SUBJECT = "第Ⅱ期説明会①②のご案内（㈱サンプル 髙﨑 №12）"
MSG01_TEXT = T("""
    山田 太郎 様

    いつもお世話になっております。
    ㈱サンプル営業部の髙﨑です。

    第Ⅱ期説明会の日程をお知らせいたします。
    ① 4月10日（水）10:00～12:00 本社 会議室A
    ② 4月17日（水）14:00～16:00 大阪支店

    資料番号：№12-0345
    ご不明な点がございましたら、お気軽にお問い合わせください。

    --
    株式会社サンプル 営業部
    髙﨑 健二 <takasaki@example.jp>
    """)


def msg01():
    dt = at(2024, 3, 4, 10, 15)
    return mail([("Return-Path", f"<{TAKASAKI[1]}>"),
                 *gmail_received("mail.example.jp", "192.0.2.25", dt),
                 ("From", P(TAKASAKI)),
                 ("To", P(TARO)),
                 ("Subject", ew(MSG01_SUBJECT)),
                 ("Date", date_header(dt)),
                 ("Message-ID", "<000501da6dc1$4f2a3b10$ed7eb130$@example.jp>"),
                 ("MIME-Version", "1.0"),
                 ("Content-Type", "text/plain;\n\tcharset=\"iso-2022-jp\""),
                 ("Content-Transfer-Encoding", "7bit"),
                 ("X-Mailer", "Microsoft Outlook 16.0"),
                 ("Content-Language", "ja")],
                iso2022jp(MSG01_TEXT))


def gmail_store(tree):
    inbox = f"{GMAIL_DIR}/INBOX"
    for sub in ("All Mail", "Sent Mail", "Drafts", "Starred"):
        tree.mkdir(f"{GMAIL_DIR}/[Gmail]/{sub}")

    # 01: ISO-2022-JP with NEC row 13 and IBM extension characters in Subject, From and body.
    tree.mail(f"{inbox}/{eml_name(GMAIL_BASE, 1)}", msg01(),
              subject=MSG01_SUBJECT, text=MSG01_TEXT)

    # 02: ISO-2022-JP body with half-width katakana after ESC ( I.
    subject = "半角カナの表示テスト"
    text = T("""
        山田さん

        古いシステムから届くメールには半角カナが含まれます。
        例：ｶﾀｶﾅ、ｺﾝﾋﾟｭｰﾀｰ、ﾃﾞｰﾀﾍﾞｰｽ、｢ｶｷﾞ｣、ｱｲｳｴｵ｡
        全角に直さずにそのまま表示されれば成功です。

        鈴木
        """)
    dt = at(2024, 3, 5, 18, 42, 10)
    tree.mail(f"{inbox}/{eml_name(GMAIL_BASE, 2)}", mail([
        ("Return-Path", f"<{SUZUKI[1]}>"),
        *gmail_received("smtp.example.com", "198.51.100.7", dt),
        ("Message-ID", "<20240305184210.7E21.SUZUKI@example.com>"),
        ("From", P(SUZUKI)),
        ("To", TARO[1]),
        ("Subject", ew(subject)),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=ISO-2022-JP"),
        ("Content-Transfer-Encoding", "7bit"),
        ("X-Mailer", "Example Mailer 2.75 [ja]")],
        iso2022jp(text)), subject=subject, text=text)

    # 03: a 0-byte file, as IMAP sync leaves behind.
    tree.add(f"{inbox}/{eml_name(GMAIL_BASE, 3)}", Sample(b"", FIXED_MTIME, kind="empty"))

    # 04: header-only: the body was never downloaded.
    subject = "【重要】請求書送付のお知らせ（3月分）"
    dt = at(2024, 3, 6, 9, 0)
    tree.add(f"{inbox}/{eml_name(GMAIL_BASE, 4)}", Sample(header_only([
        ("Return-Path", "<billing@example.com>"),
        *gmail_received("out.example.com", "203.0.113.40", dt),
        ("Message-ID", "<bill-202403-000123@example.com>"),
        ("From", person("請求書センター", "billing@example.com")),
        ("To", TARO[1]),
        ("Subject", ew(subject)),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        ("Content-Type", 'multipart/mixed;\n\tboundary="=_bill_0123456789"')]),
        int(dt.timestamp()), kind="header-only", subject=subject))

    # 05: multipart/alternative, UTF-8 quoted-printable text and HTML, emoji and 𠮷 (not in CP932).
    subject = "春の新メニューのお知らせ 🌸"
    text = T("""
        いつもご利用ありがとうございます。
        春の新メニュー「桜えびのかき揚げ丼」が始まりました 🍤
        店長 𠮷田 より、ご来店をお待ちしております。
        配信停止: https://news.example.com/unsubscribe?id=12345
        """)
    html = T("""
        <html><head><meta charset="utf-8"></head><body>
        <p>いつもご利用ありがとうございます。</p>
        <p>春の新メニュー<b>「桜えびのかき揚げ丼」</b>が始まりました 🍤</p>
        <p>店長 𠮷田 より、ご来店をお待ちしております。</p>
        <p><a href="https://news.example.com/unsubscribe?id=12345">配信停止</a></p>
        </body></html>
        """)
    dt = at(2024, 3, 8, 12, 0, tz=0)
    boundary = "000000000000a1b2c3d4e5f60718"
    tree.mail(f"{inbox}/{eml_name(GMAIL_BASE, 5)}", mail([
        ("Return-Path", "<news@example.com>"),
        *gmail_received("mailer.example.com", "203.0.113.9", dt),
        ("MIME-Version", "1.0"),
        ("Date", date_header(dt)),
        ("Message-ID", "<news.20240308.0001@news.example.com>"),
        ("Subject", ew(subject, "UTF-8")),
        ("From", person("サンプル食堂", "news@example.com", "UTF-8")),
        ("To", TARO[1]),
        ("List-Unsubscribe", "<https://news.example.com/unsubscribe?id=12345>"),
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"')],
        multipart(boundary, [
            entity([("Content-Type", 'text/plain; charset="UTF-8"'),
                    ("Content-Transfer-Encoding", "quoted-printable")], qp_body(text.encode())),
            entity([("Content-Type", 'text/html; charset="UTF-8"'),
                    ("Content-Transfer-Encoding", "quoted-printable")], qp_body(html.encode())),
        ], preamble=b"")), subject=subject, text=text)

    # 06: Gmail shows one message in several "folders": the same bytes as 01 under All Mail.
    tree.mail(f"{GMAIL_DIR}/[Gmail]/All Mail/{eml_name(GMAIL_BASE, 6)}", msg01(),
              subject=MSG01_SUBJECT, text=MSG01_TEXT)

    # 07: UTF-8 quoted-printable plain text, Q-encoded subject.
    subject = "週末のゴルフ、雨天の場合について"
    text = T("""
        山田さん

        土曜日のゴルフですが、雨天の場合は日曜日に順延します。
        集合は 7:30、クラブハウス前です。=や?を含む行もそのまま読めるはず: a=b?c
        行末の空白も QP で保護されます。  

        鈴木
        """)
    dt = at(2024, 3, 12, 21, 5)
    tree.mail(f"{GMAIL_DIR}/[Gmail]/All Mail/{eml_name(GMAIL_BASE, 7)}", mail([
        ("Return-Path", f"<{SUZUKI[1]}>"),
        *gmail_received("smtp.example.com", "198.51.100.7", dt),
        ("Message-ID", "<6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e@example.com>"),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        ("User-Agent", "Mozilla Thunderbird"),
        ("Content-Language", "ja"),
        ("To", P(TARO, "UTF-8")),
        ("From", P(SUZUKI, "UTF-8")),
        ("Subject", ew(subject, "UTF-8", q=True)),
        ("Content-Type", "text/plain; charset=UTF-8; format=flowed"),
        ("Content-Transfer-Encoding", "quoted-printable")],
        qp_body(text.encode())), subject=subject, text=text)

    # 08: Sent Mail: Taro's reply from WLM, quoting 01 (ISO-2022-JP, extension characters).
    subject = "RE: " + MSG01_SUBJECT
    text = T("""
        髙﨑様

        ご案内ありがとうございます。
        ② 4月17日（水）の回に2名で参加いたします。

        山田

        -----Original Message-----
        > ① 4月10日（水）10:00～12:00 本社 会議室A
        > ② 4月17日（水）14:00～16:00 大阪支店
        """)
    dt = at(2024, 3, 4, 13, 30, 12)
    tree.mail(f"{GMAIL_DIR}/[Gmail]/Sent Mail/{eml_name(GMAIL_BASE, 8)}", mail([
        ("Message-ID", wlm_message_id("msg08", "TaroPC")),
        ("From", P(TARO)),
        ("To", P(TAKASAKI)),
        ("References", "<000501da6dc1$4f2a3b10$ed7eb130$@example.jp>"),
        ("In-Reply-To", "<000501da6dc1$4f2a3b10$ed7eb130$@example.jp>"),
        ("Subject", ew(subject)),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        *text_type("plain", "iso-2022-jp", "7bit"),
        *WLM_HEADERS],
        iso2022jp(text)), subject=subject, text=text)

    # 09: Drafts: an unfinished UTF-8 8bit draft.
    subject = "（下書き）歓送迎会の幹事について"
    text = T("""
        鈴木さん

        来月の歓送迎会の幹事の件、引き受けます。
        お店の候補は
        """)
    dt = at(2024, 3, 14, 23, 48)
    tree.mail(f"{GMAIL_DIR}/[Gmail]/Drafts/{eml_name(GMAIL_BASE, 9)}", mail([
        ("Message-ID", wlm_message_id("msg09", "TaroPC")),
        ("From", P(TARO, "utf-8")),
        ("To", P(SUZUKI, "utf-8")),
        ("Subject", ew(subject, "utf-8")),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        *text_type("plain", "utf-8", "8bit"),
        *WLM_HEADERS],
        text.encode()), subject=subject, text=text)

    # 10: Starred: UTF-8 plain text in base64.
    subject = "ご予約確認（予約番号 RX-20240322-0815）"
    text = T("""
        山田 太郎 様

        この度はサンプルホテルをご予約いただき、誠にありがとうございます。

        ご予約番号：RX-20240322-0815
        ご宿泊日：2024年3月22日（金）～3月24日（日） 2泊
        お部屋：和室（禁煙） 大人2名
        チェックイン：15:00～ / チェックアウト：～11:00

        サンプルホテル 予約センター
        """)
    dt = at(2024, 3, 1, 15, 2, 44)
    tree.mail(f"{GMAIL_DIR}/[Gmail]/Starred/{eml_name(GMAIL_BASE, 10)}", mail([
        ("Return-Path", "<reservations@example.com>"),
        *gmail_received("mta.example.com", "203.0.113.21", dt),
        ("From", person("サンプルホテル", "reservations@example.com", "UTF-8")),
        ("To", TARO[1]),
        ("Subject", ew(subject, "UTF-8")),
        ("Date", date_header(dt)),
        ("Message-ID", "<RX-20240322-0815.confirm@example.com>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Content-Transfer-Encoding", "base64")],
        b64_body(text.encode())), subject=subject, text=text)


def pop_received(sender_host, ip, dt):
    return [("Received", received(sender_host, ip, "mx.example.ne.jp",
                                  dt + timedelta(seconds=5)))]


PDF_NAME = "御見積書_№2024-031.pdf"
PNG_NAME = "桜の写真_2024年春.png"


def local_store(tree):
    def path(folder, n):
        return f"{LOCAL}/{folder}/{eml_name(LOCAL_BASE, n)}"

    for folder in ("Inbox", "Outbox", "Sent Items", "Deleted Items", "Drafts", "Junk E-mail",
                   "プロジェクト2024年度 c17/設計"):
        tree.mkdir(f"{LOCAL}/{folder}")
    # Windows leaves desktop.ini in folders whose view was customised; it also keeps the empty
    # Outbox in git, which stores no empty directories. Converters skip it silently.
    tree.side(f"{LOCAL}/Outbox/desktop.ini",
              b"[.ShellClassInfo]\r\nIconResource=C:\\Windows\\System32\\imageres.dll,-112\r\n")

    # 11: Shift_JIS (really CP932) plain text, 8bit; IBM extension 髙 as FB FC, trail bytes 0x5C.
    subject = "同窓会のお知らせ（第Ⅱ回）"
    text = T("""
        佐藤 花子 様

        ご無沙汰しております。伊藤です。
        第Ⅱ回同窓会を下記の通り開催します。

        ① 日時：5月18日（土）18:00～21:00
        ② 会場：㈱サンプル会館 2F「ソレイユ」
        ③ 会費：5,000円

        出欠表は髙橋先生にお送りください。
        能登さん、表計算ソフトでの集計をお願いします。

        伊藤 美咲
        """)
    dt = at(2024, 3, 10, 20, 17, 3)
    tree.mail(path("Inbox", 11), mail([
        ("Return-Path", f"<{MISAKI[1]}>"),
        *pop_received("smtp.example.jp", "192.0.2.80", dt),
        ("Message-ID", "<20240310201703.0A1B.MISAKI@example.jp>"),
        ("Date", date_header(dt)),
        ("From", P(MISAKI, "Shift_JIS")),
        ("To", P(HANA, "Shift_JIS")),
        ("Subject", ew(subject, "Shift_JIS")),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=Shift_JIS"),
        ("Content-Transfer-Encoding", "8bit")],
        cp932_windows(text)), subject=subject, text=text)

    # 12: Shift_JIS HTML, single part, 8bit.
    subject = "【サンプル書店】3月の新刊のご案内"
    html = T("""
        <!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
        <html><head>
        <meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">
        <title>3月の新刊のご案内</title>
        </head><body>
        <h1>3月の新刊のご案内</h1>
        <ol>
        <li>①『髙﨑家の食卓』 ㈱サンプル出版 1,980円</li>
        <li>②『表計算ソフト入門 第Ⅱ版』 2,420円</li>
        </ol>
        <p>営業時間：10:00～20:00</p>
        </body></html>
        """)
    dt = at(2024, 3, 11, 7, 30)
    tree.mail(path("Inbox", 12), mail([
        ("Return-Path", "<info@example.jp>"),
        *pop_received("mail.example.jp", "192.0.2.81", dt),
        ("Message-ID", "<shinkan-202403@books.example.jp>"),
        ("Date", date_header(dt)),
        ("From", person("サンプル書店", "info@example.jp", "Shift_JIS")),
        ("To", HANA[1]),
        ("Subject", ew(subject, "Shift_JIS")),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/html; charset=Shift_JIS"),
        ("Content-Transfer-Encoding", "8bit")],
        cp932_windows(html)), subject=subject, text=html)

    # 13: raw 8-bit Shift_JIS Subject (no encoded word), as old Japanese mailers sent it.
    subject = "予定表の件（ソフトボール大会）"
    text = T("""
        佐藤さん

        ソフトボール大会の予定表を送ります。
        雨天時は翌週に延期です。

        小林
        """)
    dt = at(2024, 2, 20, 8, 55, 31)
    tree.mail(path("Inbox", 13), mail([
        ("Return-Path", "<kobayashi@example.jp>"),
        *pop_received("old-mail.example.jp", "192.0.2.99", dt),
        ("Message-ID", "<202402200855.AA00123@old-mail.example.jp>"),
        ("Date", date_header(dt)),
        ("From", "kobayashi@example.jp (Kobayashi)"),
        ("To", HANA[1]),
        ("Subject", cp932_windows(subject)),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=Shift_JIS"),
        ("Content-Transfer-Encoding", "8bit"),
        ("X-Mailer", "Example Old Mailer 1.2")],
        cp932_windows(text)), subject=subject, raw_subject="shift_jis", text=text)

    # 14: UTF-8 plain text, 8bit.
    subject = "町内清掃の日程変更"
    text = T("""
        佐藤様

        4月の町内清掃は、7日（日）から14日（日）に変更になりました。
        時間は変わらず 8:00〜9:30 です（こちらは U+301C の波ダッシュ）。

        さくら町内会 鈴木
        """)
    dt = at(2024, 3, 13, 19, 2)
    tree.mail(path("Inbox", 14), mail([
        ("Return-Path", f"<{SUZUKI[1]}>"),
        *pop_received("smtp.example.com", "198.51.100.7", dt),
        ("Message-ID", "<a7b8c9d0-e1f2-4a3b-9c4d-5e6f7a8b9c0d@example.com>"),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        ("From", P(SUZUKI, "UTF-8")),
        ("To", P(HANA, "UTF-8")),
        ("Subject", ew(subject, "UTF-8")),
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Content-Transfer-Encoding", "8bit")],
        text.encode()), subject=subject, text=text)

    # 15: a forwarded message attached as message/rfc822 (the inner one is ISO-2022-JP).
    inner_subject = "夏祭りボランティア募集"
    inner_text = T("""
        町内会員の皆様

        今年も夏祭りのボランティアを募集します。
        ① 設営（7月20日） ② 受付 ③ 片付け（7月21日）
        ご協力をお願いいたします。

        さくら町内会
        """)
    inner = entity([
        ("Message-ID", "<natsumatsuri-2024@chounaikai.example.ne.jp>"),
        ("Date", date_header(at(2024, 3, 14, 10, 0))),
        ("From", person("さくら町内会", "chounaikai@example.ne.jp")),
        ("To", KENTA[1]),
        ("Subject", ew(inner_subject)),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=ISO-2022-JP"),
        ("Content-Transfer-Encoding", "7bit")],
        iso2022jp(inner_text))
    subject = "Fw: " + inner_subject
    text = T("""
        姉さん

        町内会から来たメールを転送します。添付を見てください。

        健太
        """)
    dt = at(2024, 3, 14, 22, 11, 9)
    boundary = "------------0B1C2D3E4F5A6B7C8D9E0F1A"
    tree.mail(path("Inbox", 15), mail([
        ("Return-Path", f"<{KENTA[1]}>"),
        *pop_received("smtp.example.ne.jp", "198.51.100.30", dt),
        ("Content-Type", f'multipart/mixed; boundary="{boundary}"'),
        ("Message-ID", "<0f9e8d7c-6b5a-4e3d-2c1b-0a9f8e7d6c5b@example.ne.jp>"),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        ("User-Agent", "Mozilla Thunderbird"),
        ("Content-Language", "ja"),
        ("To", P(HANA, "UTF-8")),
        ("From", P(KENTA, "UTF-8")),
        ("Subject", ew(subject, "UTF-8"))],
        multipart(boundary, [
            entity([("Content-Type", "text/plain; charset=UTF-8; format=flowed"),
                    ("Content-Transfer-Encoding", "8bit")], text.encode()),
            entity([("Content-Type", 'message/rfc822; name="natsumatsuri.eml"'),
                    ("Content-Disposition", 'attachment; filename="natsumatsuri.eml"')], inner),
        ], preamble=b"This is a multi-part message in MIME format.\n")),
        subject=subject, text=text)

    # 16: body lines starting with "From ", ">From ", ">>From " (mboxrd escaping).
    subject = "Notes from Friday"
    text = T("""
        Hi Hana,

        The minutes below were pasted from another mail, so some lines start
        with "From" on purpose:

        From the minutes of the 1 March meeting:
        >From what I heard, the venue is booked.
        >>From Ichiro, quoted twice in the original thread.
        >>>From three levels deep.
        From: this line is body text, not a header.
         From here on, a line with a leading space.

        Regards,
        John
        """)
    dt = at(2024, 3, 2, 9, 40, 0, tz=-8)
    tree.mail(path("Inbox", 16), mail([
        ("Return-Path", f"<{JOHN[1]}>"),
        *pop_received("smtp.example.com", "198.51.100.8", dt),
        ("Message-ID", "<CAF1friday.notes.0302@example.com>"),
        ("Date", date_header(dt)),
        ("From", P(JOHN)),
        ("To", f'"Hana Sato" <{HANA[1]}>'),
        ("Subject", subject),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=us-ascii"),
        ("Content-Transfer-Encoding", "7bit")],
        text.encode()), subject=subject, text=text)

    # 17: no Date header (a Received header still carries the time).
    subject = "メールサーバーメンテナンスのお知らせ"
    text = T("""
        お客様各位

        下記の日程でメールサーバーのメンテナンスを行います。
        日時：3月20日（水）2:00～5:00
        この間、メールの送受信ができなくなります。

        example.ne.jp サポートセンター
        """)
    dt = at(2024, 3, 15, 11, 0)
    tree.mail(path("Inbox", 17), mail([
        ("Return-Path", "<noreply@example.ne.jp>"),
        ("Received", received("notice.example.ne.jp", "198.51.100.2", "mx.example.ne.jp", dt)),
        ("Message-ID", "<maint-20240320@notice.example.ne.jp>"),
        ("From", person("example.ne.jp サポート", "noreply@example.ne.jp")),
        ("To", HANA[1]),
        ("Subject", ew(subject)),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=ISO-2022-JP"),
        ("Content-Transfer-Encoding", "7bit")],
        iso2022jp(text)), subject=subject, text=text, no_date=True)

    # 18: LF-only line ends (came through a Unix system); otherwise well formed.
    subject = "[cron] nightly backup report"
    text = T("""
        backup of /home finished: 1,284 files, 352 MB
        バックアップは正常に完了しました。
        """)
    dt = at(2024, 3, 16, 3, 0, 1)
    tree.mail(path("Inbox", 18), mail([
        ("Return-Path", "<root@nas.example.com>"),
        *pop_received("nas.example.com", "203.0.113.77", dt),
        ("Message-ID", "<20240316030001.4711@nas.example.com>"),
        ("Date", date_header(dt)),
        ("From", "root@nas.example.com (Cron Daemon)"),
        ("To", HANA[1]),
        ("Subject", subject),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Content-Transfer-Encoding", "8bit")],
        text.encode(), eol=b"\n"), kind="lf-only", subject=subject, text=text)

    # 19: Subject split into two B-encoded words in the middle of a JIS character.
    subject = "【テスト商事】新年度のお取引条件変更に関するご連絡"
    raw = iso2022jp(subject)
    assert not any(ch.isascii() for ch in subject)  # one JIS run: ESC $ B, then 2 bytes a char
    cut = len(ESC_JIS) + 2 * subject.index("取") + 1   # between the two bytes of 取
    split_subject = "\n ".join(_b_word("ISO-2022-JP", part) for part in (raw[:cut], raw[cut:]))
    text = T("""
        佐藤 花子 様

        平素より格別のお引き立てを賜り、厚く御礼申し上げます。
        4月1日より、お取引条件を一部変更させていただきます。
        詳細は別途書面にてお送りいたします。

        ㈲テスト商事 渡辺 誠
        """)
    dt = at(2024, 3, 18, 14, 20)
    tree.mail(path("Inbox/取引先", 19), mail([
        ("Return-Path", f"<{WATANABE[1]}>"),
        *pop_received("mail.example.com", "198.51.100.12", dt),
        ("Message-ID", "<20240318142000.88AA@example.com>"),
        ("Date", date_header(dt)),
        ("From", P(WATANABE)),
        ("To", P(HANA)),
        ("Subject", split_subject),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=ISO-2022-JP"),
        ("Content-Transfer-Encoding", "7bit")],
        iso2022jp(text)), subject=subject, text=text)

    # 20: multipart/mixed with a PDF whose Japanese name is given both ways:
    #     RFC 2047 inside quotes (Content-Type name=) and RFC 2231 (Content-Disposition filename*=).
    pdf = fake_pdf()
    subject = "御見積書送付の件"
    text = T("""
        佐藤様

        お世話になっております。㈱サンプルの髙﨑です。
        ご依頼の御見積書（№2024-031）をお送りします。
        ご査収のほど、よろしくお願いいたします。

        髙﨑
        """)
    dt = at(2024, 3, 19, 16, 45, 30)
    boundary = "----=_NextPart_000_0012_01DA7A1B.4C5D6E70"
    tree.mail(path("Inbox/取引先/株式会社サンプル", 20), mail([
        ("Return-Path", f"<{TAKASAKI[1]}>"),
        *pop_received("mail.example.jp", "192.0.2.25", dt),
        ("From", P(TAKASAKI)),
        ("To", P(HANA)),
        ("Subject", ew(subject)),
        ("Date", date_header(dt)),
        ("Message-ID", "<001201da7a1b$4c5d6e70$e5184b50$@example.jp>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/mixed;\n\tboundary="{boundary}"'),
        ("X-Mailer", "Microsoft Outlook 16.0"),
        ("Content-Language", "ja")],
        multipart(boundary, [
            entity(text_type("plain", "iso-2022-jp", "7bit"), iso2022jp(text)),
            entity([("Content-Type", f'application/pdf;\n\tname="{ew(PDF_NAME)}"'),
                    ("Content-Transfer-Encoding", "base64"),
                    ("Content-Disposition", f"attachment;\n\tfilename*={rfc2231(PDF_NAME)}")],
                   b64_body(pdf)),
        ])), subject=subject, text=text, attachments={PDF_NAME: pdf})

    # 21: a reply in the same thread; encoded word written with lower-case "b".
    subject = "Re: 御見積書送付の件"
    text = T("""
        髙﨑様

        御見積書を拝受しました。社内で確認のうえ、来週中にご連絡いたします。

        佐藤
        """)
    dt = at(2024, 3, 21, 10, 3, 17)
    tree.mail(path("Inbox/取引先/株式会社サンプル", 21), mail([
        ("Return-Path", f"<{TAKASAKI[1]}>"),
        *pop_received("mail.example.jp", "192.0.2.25", dt),
        ("From", P(TAKASAKI)),
        ("To", P(HANA)),
        ("Subject", "Re: " + ew(subject[4:], "iso-2022-jp").replace("?B?", "?b?")),
        ("Date", date_header(dt)),
        ("Message-ID", "<001a01da7b2c$11223344$55667788$@example.jp>"),
        ("In-Reply-To", wlm_message_id("reply to 20", "HanaPC")),
        ("References", "<001201da7a1b$4c5d6e70$e5184b50$@example.jp>\n\t"
                       + wlm_message_id("reply to 20", "HanaPC")),
        ("MIME-Version", "1.0"),
        *text_type("plain", "iso-2022-jp", "7bit"),
        ("X-Mailer", "Microsoft Outlook 16.0")],
        iso2022jp(text)), subject=subject, text=text)

    # 22: WLM photo mail: multipart/related > multipart/alternative (text + HTML) + inline PNG
    #     referenced by cid:. ISO-2022-JP text 7bit, ISO-2022-JP HTML quoted-printable (the long
    #     BODY line is WLM's own and forces QP soft breaks), the image name in RFC 2231
    #     continuations.
    png = hinomaru_png()
    cid = "7C1D2E3F4A5B4C6D8E9F0A1B2C3D4E5F@SachikoPC"
    subject = "庭の桜が咲きました"
    text = T("""
        花子へ

        庭の桜が咲きました。写真を送ります。
        週末に健太と見に来てください。

        母より
        """)
    html = T(f"""
        <!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
        <HTML><HEAD>
        <META content="text/html; charset=iso-2022-jp" http-equiv=Content-Type>
        </HEAD>
        <BODY style="PADDING-LEFT: 10px; PADDING-RIGHT: 10px; PADDING-TOP: 15px" id=MailContainerBody leftMargin=0 topMargin=0>
        <DIV>花子へ</DIV>
        <DIV>&nbsp;</DIV>
        <DIV>庭の桜が咲きました。写真を送ります。</DIV>
        <DIV><IMG src="cid:{cid}" width=24 height=16></DIV>
        <DIV>週末に健太と見に来てください。</DIV>
        <DIV>&nbsp;</DIV>
        <DIV>母より</DIV></BODY></HTML>
        """)
    dt = at(2024, 3, 24, 17, 12, 40)
    outer = "----=_NextPart_000_0021_01DA7E0C.5A6B7C80"
    inner_b = "----=_NextPart_001_0022_01DA7E0C.5A6B7C80"
    half = len(PNG_NAME) // 2
    tree.mail(path("Inbox/家族", 22), mail([
        ("Return-Path", f"<{SACHIKO[1]}>"),
        *pop_received("smtp.example.ne.jp", "198.51.100.31", dt),
        ("Message-ID", wlm_message_id("msg22", "SachikoPC")),
        ("From", P(SACHIKO)),
        ("To", P(HANA)),
        ("Subject", ew(subject)),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/related;\n\ttype="multipart/alternative";\n\t'
                         f'boundary="{outer}"'),
        *WLM_HEADERS],
        multipart(outer, [
            entity([("Content-Type", f'multipart/alternative;\n\tboundary="{inner_b}"')],
                   multipart(inner_b, [
                       entity(text_type("plain", "iso-2022-jp", "7bit"), iso2022jp(text)),
                       entity(text_type("html", "iso-2022-jp", "quoted-printable"),
                              qp_body(iso2022jp(html))),
                   ], preamble=b"\n")),
            entity([("Content-Type", 'image/png;\n\tname="sakura.png"'),
                    ("Content-Transfer-Encoding", "base64"),
                    ("Content-Disposition",
                     f"inline;\n\tfilename*0*={rfc2231(PNG_NAME[:half])};"
                     f"\n\tfilename*1*={rfc2231(PNG_NAME[half:])[7:]}"),
                    ("Content-ID", f"<{cid}>")],
                   b64_body(png)),
        ])), subject=subject, text=text, attachments={PNG_NAME: png})

    # 23: UTF-8 HTML, single part, 8bit.
    subject = "週末の予定（お花見）"
    html = T("""
        <html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>
        <body><p>姉さん</p>
        <p>土曜日の<b>11時</b>に実家集合でどう？ お弁当は僕が買っていきます。</p>
        <p>健太</p></body></html>
        """)
    dt = at(2024, 3, 25, 8, 20)
    tree.mail(path("Inbox/家族", 23), mail([
        ("Return-Path", f"<{KENTA[1]}>"),
        *pop_received("smtp.example.ne.jp", "198.51.100.30", dt),
        ("Message-ID", "<5d4c3b2a-1908-4f7e-a6d5-c4b3a2918070@example.ne.jp>"),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        ("From", P(KENTA, "UTF-8")),
        ("To", P(HANA, "UTF-8")),
        ("Subject", ew(subject, "UTF-8")),
        ("Content-Type", "text/html; charset=UTF-8"),
        ("Content-Transfer-Encoding", "8bit")],
        html.encode()), subject=subject, text=html)

    # 24: no line end after the last line of the file.
    c17 = "プロジェクト2024年度 c17"
    subject = "キックオフ会議の議事録"
    text = T("""
        関係者各位

        本日のキックオフ会議の議事録です。
        1. 体制の確認
        2. スケジュール（4月～9月）
        3. 次回は4月8日（月）

        以上""")
    dt = at(2024, 4, 1, 18, 0)
    tree.mail(path(c17, 24), mail([
        ("Return-Path", f"<{SUZUKI[1]}>"),
        *pop_received("smtp.example.com", "198.51.100.7", dt),
        ("Message-ID", "<kickoff-minutes-20240401@example.com>"),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        ("From", P(SUZUKI, "UTF-8")),
        ("To", P(HANA, "UTF-8")),
        ("Subject", ew(subject, "UTF-8")),
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Content-Transfer-Encoding", "8bit")],
        text.encode(), final_eol=False), kind="no-final-eol", subject=subject, text=text)

    # 25: ISO-2022-JP with a Cc.
    subject = "【プロジェクト2024年度】定例会議の日程"
    text = T("""
        佐藤さん、渡辺さん

        定例会議は毎週月曜日 10:00～11:00 に決まりました。
        場所は第Ⅱ会議室です。

        鈴木
        """)
    dt = at(2024, 4, 2, 9, 10, 55)
    tree.mail(path(c17, 25), mail([
        ("Return-Path", f"<{SUZUKI[1]}>"),
        *pop_received("smtp.example.com", "198.51.100.7", dt),
        ("Message-ID", "<20240402091055.3C4D@example.com>"),
        ("Date", date_header(dt)),
        ("From", P(SUZUKI)),
        ("To", P(HANA)),
        ("Cc", P(WATANABE) + ",\n " + P(TARO)),
        ("Subject", ew(subject)),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=ISO-2022-JP"),
        ("Content-Transfer-Encoding", "7bit")],
        iso2022jp(text)), subject=subject, text=text)

    # 26: three user-folder levels deep; small roman numerals (IBM extension, FA40 in CP932).
    subject = "設計レビュー第1回 指摘事項一覧"
    text = T("""
        レビュー指摘事項

        ⅰ）画面遷移図：①ログイン後の遷移先が未定義
        ⅱ）データ設計：②顧客テーブルの主キー、③削除フラグの扱い
        ⅲ）非機能要件：性能目標（Ⅰ～Ⅲ）の根拠を追記

        回答期限：4月12日
        """)
    dt = at(2024, 4, 5, 17, 30)
    tree.mail(path(f"{c17}/設計/レビュー", 26), mail([
        ("Return-Path", f"<{WATANABE[1]}>"),
        *pop_received("mail.example.com", "198.51.100.12", dt),
        ("Message-ID", "<review-01-20240405@example.com>"),
        ("Date", date_header(dt)),
        ("From", P(WATANABE)),
        ("To", P(HANA)),
        ("Subject", ew(subject)),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=ISO-2022-JP"),
        ("Content-Transfer-Encoding", "7bit")],
        iso2022jp(text)), subject=subject, text=text)

    # 27: Sent Items: Hana's reply from WLM, ISO-2022-JP.
    subject = "Re: " + "庭の桜が咲きました"
    text = T("""
        お母さんへ

        写真ありがとう！ とてもきれいですね。
        土曜日の11時に健太と行きます。

        花子
        """)
    dt = at(2024, 3, 24, 20, 5, 2)
    tree.mail(path("Sent Items", 27), mail([
        ("Message-ID", wlm_message_id("msg27", "HanaPC")),
        ("From", P(HANA)),
        ("To", P(SACHIKO)),
        ("References", wlm_message_id("msg22", "SachikoPC")),
        ("In-Reply-To", wlm_message_id("msg22", "SachikoPC")),
        ("Subject", ew(subject)),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        *text_type("plain", "iso-2022-jp", "7bit"),
        *WLM_HEADERS],
        iso2022jp(text)), subject=subject, text=text)

    # 28: Sent Items: UTF-8 multipart/alternative from WLM (base64 text, quoted-printable HTML).
    subject = "Re: 同窓会のお知らせ（第Ⅱ回）"
    text = T("""
        美咲さん

        ご連絡ありがとう。同窓会、出席します！
        髙橋先生にもよろしくお伝えください。

        花子
        """)
    html = T("""
        <HTML><HEAD><META content="text/html; charset=utf-8" http-equiv=Content-Type></HEAD>
        <BODY><DIV>美咲さん</DIV><DIV>&nbsp;</DIV>
        <DIV>ご連絡ありがとう。同窓会、出席します！</DIV>
        <DIV>髙橋先生にもよろしくお伝えください。</DIV><DIV>&nbsp;</DIV>
        <DIV>花子</DIV></BODY></HTML>
        """)
    dt = at(2024, 3, 11, 21, 40, 0)
    boundary = "----=_NextPart_000_0007_01DA73E5.2B3C4D50"
    tree.mail(path("Sent Items", 28), mail([
        ("Message-ID", wlm_message_id("msg28", "HanaPC")),
        ("From", P(HANA, "utf-8")),
        ("To", P(MISAKI, "utf-8")),
        ("References", "<20240310201703.0A1B.MISAKI@example.jp>"),
        ("In-Reply-To", "<20240310201703.0A1B.MISAKI@example.jp>"),
        ("Subject", ew(subject, "utf-8")),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative;\n\tboundary="{boundary}"'),
        *WLM_HEADERS],
        multipart(boundary, [
            entity(text_type("plain", "utf-8", "base64"), b64_body(text.encode())),
            entity(text_type("html", "utf-8", "quoted-printable"), qp_body(html.encode())),
        ])), subject=subject, text=text)

    # 29: Deleted Items.
    subject = "ポイント失効のお知らせ"
    text = T("""
        佐藤 花子 様

        お持ちのポイントのうち 1,200 ポイントが 3月31日 に失効します。
        お早めにご利用ください。

        サンプルポイント事務局
        """)
    dt = at(2024, 3, 1, 6, 0)
    tree.mail(path("Deleted Items", 29), mail([
        ("Return-Path", "<point@example.com>"),
        *pop_received("bulk.example.com", "203.0.113.50", dt),
        ("Message-ID", "<point-expire-202403-88231@example.com>"),
        ("Date", date_header(dt)),
        ("From", person("サンプルポイント事務局", "point@example.com")),
        ("To", HANA[1]),
        ("Subject", ew(subject)),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=ISO-2022-JP"),
        ("Content-Transfer-Encoding", "7bit")],
        iso2022jp(text)), subject=subject, text=text)

    # 30: Drafts: an unfinished ISO-2022-JP draft saved by WLM.
    subject = "お花見のお弁当"
    text = T("""
        健太へ

        お弁当、5人分でお願い。お茶は私が持っていきます。
        """)
    dt = at(2024, 3, 26, 22, 15, 0)
    tree.mail(path("Drafts", 30), mail([
        ("Message-ID", wlm_message_id("msg30", "HanaPC")),
        ("From", P(HANA)),
        ("To", P(KENTA)),
        ("Subject", ew(subject)),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        *text_type("plain", "iso-2022-jp", "7bit"),
        *WLM_HEADERS],
        iso2022jp(text)), subject=subject, text=text)

    # 31: Junk E-mail: UTF-8 HTML in base64, group syntax "undisclosed-recipients:;".
    subject = "【当選】おめでとうございます！ギフト券10万円分"
    html = T("""
        <html><body>
        <h2>おめでとうございます！</h2>
        <p>厳正な抽選の結果、あなたが当選しました。</p>
        <p><a href="http://prize.example.com/claim">こちらから受け取り手続き</a></p>
        </body></html>
        """)
    dt = at(2024, 3, 9, 3, 33, 33, tz=8)
    tree.mail(path("Junk E-mail", 31), mail([
        ("Return-Path", "<bounce-771@prize.example.com>"),
        *pop_received("unknown.example.com", "203.0.113.200", dt),
        ("Message-ID", "<prize.771.20240309@prize.example.com>"),
        ("From", person("当選事務局", "winner@example.com", "utf-8")),
        ("To", "undisclosed-recipients:;"),
        ("Subject", ew(subject, "utf-8")),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Transfer-Encoding", "base64")],
        b64_body(html.encode())), subject=subject, text=html)


def wlm_side_files(tree):
    """Files in the store root a converter must ignore, and a Backup tree it must not import."""
    tree.side(f"{WLM}/edb.chk", ese_like(8192, 2))
    tree.side(f"{WLM}/edb00001.log", ese_like(4096, 3, fill=pseudo_random("edb log", 3072)))
    tree.side(f"{WLM}/edbres00001.jrs", ese_like(4096, 3))
    for path in (f"{GMAIL_DIR}/INBOX/{eml_name(GMAIL_BASE, 1)}",
                 f"{LOCAL}/Inbox/{eml_name(LOCAL_BASE, 11)}",
                 f"{LOCAL}/Inbox/取引先/株式会社サンプル/{eml_name(LOCAL_BASE, 20)}"):
        copy = tree.files[path]
        tree.add(WLM + "/Backup/new" + path[len(WLM):],
                 Sample(copy.data, copy.mtime, kind="backup"))
    tree.side(f"{WLM}/Backup/new/Mail.MSMessageStore",
              ese_like(8192, 0, note=b"wlmigrate sample: stands for WLM's backup copy of "
                                     b"Mail.MSMessageStore. Not a real ESE database."))


# --------------------------------------------------------------------------------------------
# samples/wlm-store/Mail.MSMessageStore: the state WLM keeps beside the .eml files
# --------------------------------------------------------------------------------------------

# The display name WLM keeps for the folder whose directory name it cut short.
LONG_FOLDER_NAMES = {
    "プロジェクト2024年度 c17": "プロジェクト2024年度 顧客対応と設計レビューの記録（長期保存）",
}
SPECIAL_FOLDERS = {"Inbox": 1, "Outbox": 2, "Sent Items": 3, "Deleted Items": 4, "Drafts": 5}
ORPHAN_FOLDER_ID = 999        # a folder id no Folders row has
MISSING_FILE = f"{LOCAL}/Inbox/{eml_name(LOCAL_BASE, 99)}"   # a row whose file is gone


def message_state(index):
    """A varied but fixed state for the index-th message (read, flagged, replied, forwarded)."""
    flags = ["downloaded"]
    if index % 4 != 0:
        flags.append("read")
    if index % 5 == 2:
        flags.append("flagged")
    if index % 6 == 1:
        flags.append("replied")
    if index % 7 == 3:
        flags.append("forwarded")
    return flags


def received_time(sample):
    """The time WLM received a message: two minutes after its Date (or its file time)."""
    return datetime.fromtimestamp(sample.mtime + 120, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def wlm_database_spec(tree):
    """The rows of the sample store's database, derived from the tree:
    - every directory of the store but Backup is a folder row, the cut-short one with its long
      name, account directories named after their account;
    - every message file has a row with a varied state, except: the last message of
      Storage Folders/Inbox has no row (it belongs in Recovered), the message in Deleted Items
      is filed under a folder that does not exist (Recovered too), and one row names a file that
      does not exist (reported as missing);
    - the header-only IMAP message lacks the "downloaded" bit, as WLM leaves it."""
    prefix = WLM + "/"
    dirs = sorted(d[len(prefix):] for d in tree.dirs
                  if d.startswith(prefix) and not d[len(prefix):].split("/")[0] == "Backup")
    accounts = {os.path.dirname(p)[len(prefix):]: p for p in tree.files
                if p.startswith(prefix) and p.endswith(".oeaccount")}
    folder_ids = {"": 0}
    folders = [{"FLDCOL_ID": 0, "FLDCOL_PARENT": -1, "FLDCOL_SPECIAL": 0, "FLDCOL_TYPE": 0}]
    for d in dirs:
        folder_ids[d] = len(folders)
        base = os.path.basename(d)
        name = LONG_FOLDER_NAMES.get(base, base)
        if d in accounts:
            name = re.search(r"<Account_Name[^>]*>([^<]*)<",
                             tree.files[accounts[d]].data.decode("utf-16")).group(1)
        top = d.split("/")[0]
        folders.append({
            "FLDCOL_ID": folder_ids[d], "FLDCOL_PARENT": folder_ids[os.path.dirname(d)],
            "FLDCOL_NAMEW": name, "FLDCOL_PATH": d.replace("/", "\\"),
            "FLDCOL_SPECIAL": SPECIAL_FOLDERS.get(base, 0) if top == "Storage Folders" else 0,
            "FLDCOL_TYPE": 3 if top == "Storage Folders" else 1,
        })
    messages = sorted(p for p in tree.files
                      if p.startswith(prefix) and p.endswith(".eml") and "/Backup/" not in p)
    inbox = [p for p in messages if os.path.dirname(p) == f"{LOCAL}/Inbox"]
    no_row = inbox[-1]
    rows, streams = [], []
    for index, path in enumerate(messages + [MISSING_FILE]):
        if path == no_row:
            continue
        rel = path[len(prefix):]
        sample = tree.files.get(path)
        folder = ORPHAN_FOLDER_ID if "/Deleted Items/" in path else folder_ids[os.path.dirname(rel)]
        flags = message_state(index)
        if sample is not None and sample.kind == "header-only":
            flags.remove("downloaded")
        stream_path = rel.replace("/", "\\")
        if index == 1:   # WLM also stores absolute paths
            stream_path = ("C:\\Users\\taro\\AppData\\Local\\Microsoft\\Windows Live Mail\\"
                           + stream_path)
        streams.append({"Id": 100 + index, "Path": stream_path})
        rows.append({
            "MSGCOL_ID": 1 + index, "MSGCOL_FOLDERID": folder, "MSGCOL_STREAM": 100 + index,
            "MSGCOL_RECEIVEDDATE": received_time(sample) if sample else "2024-06-01T00:00:00Z",
            "MSGCOL_FLAGS": flags, "MSGCOL_PRIORITY": 3,
        })
    return {"ansi_codepage": 932,
            "tables": {"Folders": folders, "Messages": rows, "Streams": streams}}


def wlm_database(tree):
    """Writes the spec through tests/tools/make-wlm-db.py (our ESE fixture builder)."""
    here = os.path.dirname(os.path.abspath(__file__))
    loader = importlib.util.spec_from_file_location("make_wlm_db",
                                                    os.path.join(here, "make-wlm-db.py"))
    builder = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(builder)
    with tempfile.TemporaryDirectory() as tmp:
        spec_path = os.path.join(tmp, "spec.json")
        out = os.path.join(tmp, "Mail.MSMessageStore")
        with open(spec_path, "w", encoding="utf-8") as f:
            json.dump(wlm_database_spec(tree), f, ensure_ascii=False)
        builder.main([spec_path, out])
        with open(out, "rb") as f:
            data = f.read()
    tree.side(f"{WLM}/Mail.MSMessageStore", data)


def wlm_store(tree):
    tree.mkdir(WLM)
    wlm_accounts(tree)
    gmail_store(tree)
    local_store(tree)
    wlm_side_files(tree)
    wlm_database(tree)


# --------------------------------------------------------------------------------------------
# samples/windows-mail-store (Vista)
# --------------------------------------------------------------------------------------------

VISTA = "windows-mail-store"
VISTA_LOCAL = f"{VISTA}/Local Folders"
VISTA_BASE = 0x0B7D0000


def windows_mail_store(tree):
    folders = ("Inbox", "Outbox", "Sent Items", "Deleted Items", "Drafts", "Junk E-mail", "仕事")
    for folder in folders:
        tree.side(f"{VISTA_LOCAL}/{folder}/winmail.fol", b"")

    tree.side(f"{VISTA}/pop.example.com (jiro 2b9/"
              f"account{{3D5F7A9C-1B2D-4E6F-8A0B-C2D4E6F8A1B3}}.oeaccount", oeaccount([
                  SZ("Account_Name", "pop.example.com (jiro@example.com)"),
                  DWORD("Connection_Type", 3),
                  SZ("POP3_Server", "pop.example.com"),
                  SZ("POP3_User_Name", "jiro"),
                  BINARY("POP3_Password2", dpapi_like("vista pop3 password", 162)),
                  SZ("SMTP_Server", "smtp.example.com"),
                  SZ("SMTP_Display_Name", JIRO[0]),
                  SZ("SMTP_Email_Address", JIRO[1]),
              ]))

    def path(folder, n):
        return f"{VISTA_LOCAL}/{folder}/{eml_name(VISTA_BASE, n)}"

    # V1: ISO-2022-JP with NEC row 13 characters.
    subject = "歓迎会のお知らせ"
    text = T("""
        田中さん

        新人歓迎会を下記の通り行います。
        ① 日時：4月11日（金）19:00～
        ② 場所：㈱サンプル会館 地下1階

        山本
        """)
    dt = at(2008, 4, 3, 12, 10, 5)
    tree.mail(path("Inbox", 1), mail([
        ("Return-Path", f"<{YAMAMOTO[1]}>"),
        ("Received", received("smtp.example.ne.jp", "198.51.100.33", "mail.example.com", dt)),
        ("Message-ID", "<000c01c89555$1a2b3c40$0a00a8c0@yamamoto>"),
        ("From", P(YAMAMOTO)),
        ("To", P(JIRO)),
        ("Subject", ew(subject)),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        *text_type("plain", "iso-2022-jp", "7bit"),
        *VISTA_HEADERS],
        iso2022jp(text)), subject=subject, text=text)

    # V2: EUC-JP from a Unix mailer.
    subject = "サーバ移行の件"
    text = T("""
        田中様

        旧サーバから新サーバへの移行は 4月19日 に実施します。
        移行中はメールが遅れる場合があります。

        加藤
        """)
    dt = at(2008, 4, 8, 9, 41, 20)
    tree.mail(path("Inbox", 2), mail([
        ("Return-Path", "<kato@example.jp>"),
        ("Received", received("mx.example.jp", "192.0.2.60", "mail.example.com", dt)),
        ("Date", date_header(dt)),
        ("From", f"{ew('加藤 修', 'EUC-JP')} <kato@example.jp>"),
        ("To", JIRO[1]),
        ("Subject", ew(subject, "EUC-JP")),
        ("Message-ID", "<20080408094120.GA1234@example.jp>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=EUC-JP"),
        ("Content-Transfer-Encoding", "8bit"),
        ("User-Agent", "Example-Unix-Mailer/1.5")],
        text.encode("euc_jp")), subject=subject, text=text)

    # V3: plain US-ASCII.
    subject = "Project update"
    text = T("""
        Hi Jiro,

        The migration plan is attached to the wiki page. Nothing else new.

        John
        """)
    dt = at(2008, 4, 9, 17, 2, 0, tz=-7)
    tree.mail(path("Inbox", 3), mail([
        ("Return-Path", f"<{JOHN[1]}>"),
        ("Received", received("smtp.example.com", "198.51.100.8", "mail.example.com", dt)),
        ("Message-ID", "<48FD1A2B.3040506@example.com>"),
        ("Date", date_header(dt)),
        ("From", P(JOHN)),
        ("To", f'"Jiro Tanaka" <{JIRO[1]}>'),
        ("Subject", subject),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=us-ascii; format=flowed"),
        ("Content-Transfer-Encoding", "7bit")],
        text.encode()), subject=subject, text=text)

    # V4: Sent Items: Jiro's reply from Windows Mail.
    subject = "Re: 歓迎会のお知らせ"
    text = T("""
        山本さん

        参加します。よろしくお願いします。

        田中
        """)
    dt = at(2008, 4, 3, 13, 0, 44)
    tree.mail(path("Sent Items", 4), mail([
        ("Message-ID", "<002101c8955c$7e8f9a00$0b00a8c0@jiro>"),
        ("From", P(JIRO)),
        ("To", P(YAMAMOTO)),
        ("References", "<000c01c89555$1a2b3c40$0a00a8c0@yamamoto>"),
        ("In-Reply-To", "<000c01c89555$1a2b3c40$0a00a8c0@yamamoto>"),
        ("Subject", ew(subject)),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        *text_type("plain", "iso-2022-jp", "7bit"),
        *VISTA_HEADERS],
        iso2022jp(text)), subject=subject, text=text)

    # V5: 仕事 (user folder): Shift_JIS quoted-printable.
    subject = "議事録送付（第３回定例）"
    text = T("""
        田中様

        第３回定例会議の議事録をお送りします。
        ① 進捗確認　② 課題一覧の更新　③ 次回日程

        小林
        """)
    dt = at(2008, 4, 10, 18, 25, 0)
    tree.mail(path("仕事", 5), mail([
        ("Return-Path", "<kobayashi@example.jp>"),
        ("Received", received("mail.example.jp", "192.0.2.61", "mail.example.com", dt)),
        ("Message-ID", "<000301c89aff$aa11bb22$cc33dd44@kobayashi>"),
        ("From", person("小林 直樹", "kobayashi@example.jp", "shift_jis")),
        ("To", P(JIRO, "shift_jis")),
        ("Subject", ew(subject, "shift_jis")),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        *text_type("plain", "shift_jis", "quoted-printable"),
        ("X-Mailer", "Microsoft Outlook Express 6.00.2900.3138")],
        qp_body(cp932_windows(text))), subject=subject, text=text)


# --------------------------------------------------------------------------------------------
# samples/eml-tree (drag-and-drop export)
# --------------------------------------------------------------------------------------------

def eml_tree(tree):
    root = "eml-tree"

    subject = "Meeting notes"
    text = T("""
        Hi Taro,

        Notes from today's call:
        - schedule moves one week later
        - next call on Thursday

        John
        """)
    dt = at(2023, 11, 8, 16, 30, 0, tz=-8)
    tree.mail(f"{root}/Inbox/Meeting notes.eml", mail([
        ("Message-ID", "<meeting-notes-20231108@example.com>"),
        ("Date", date_header(dt)),
        ("From", P(JOHN)),
        ("To", P(TARO)),
        ("Subject", subject),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=us-ascii"),
        ("Content-Transfer-Encoding", "7bit")],
        text.encode()), subject=subject, text=text)

    subject = "見積書の件"
    text = T("""
        山田様

        ㈱サンプルの髙﨑です。見積書の件、今週中にお送りします。

        髙﨑
        """)
    dt = at(2023, 11, 20, 11, 5, 0)
    tree.mail(f"{root}/Inbox/見積書の件.eml", mail([
        ("From", P(TAKASAKI)),
        ("To", P(TARO)),
        ("Subject", ew(subject)),
        ("Date", date_header(dt)),
        ("Message-ID", "<000201da1b2c$3d4e5f60$718293a4$@example.jp>"),
        ("MIME-Version", "1.0"),
        *text_type("plain", "iso-2022-jp", "7bit"),
        ("X-Mailer", "Microsoft Outlook 16.0")],
        iso2022jp(text)), subject=subject, text=text)

    subject = "Re: 週末の予定"
    text = T("""
        了解です。土曜日の10時に駅で。

        健太
        """)
    dt = at(2023, 12, 1, 22, 48, 0)
    tree.mail(f"{root}/Inbox/Re_ 週末の予定.eml", mail([
        ("Message-ID", "<3e2d1c0b-9a8f-4e7d-b6c5-a4b3c2d1e0f9@example.ne.jp>"),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        ("From", P(KENTA, "UTF-8")),
        ("To", P(TARO, "UTF-8")),
        ("Subject", ew(subject, "UTF-8")),
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Content-Transfer-Encoding", "base64")],
        b64_body(text.encode())), subject=subject, text=text)

    csv = cp932_windows("品目,数量,単価\r\nコピー用紙,10,450\r\nトナー,2,8800\r\n")
    subject = "Invoice 2019-03"
    text = T("""
        Please find the March invoice attached (CSV, Shift_JIS).
        """)
    dt = at(2019, 3, 29, 10, 0, 0)
    boundary = "----=_NextPart_000_0003_01D4E5F6.0A1B2C30"
    tree.mail(f"{root}/Archive/2019/Invoice 2019-03.eml", mail([
        ("Message-ID", "<invoice-2019-03@example.com>"),
        ("From", '"Billing" <billing@example.com>'),
        ("To", TARO[1]),
        ("Subject", subject),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/mixed;\n\tboundary="{boundary}"')],
        multipart(boundary, [
            entity(text_type("plain", "us-ascii", "7bit"), text.encode()),
            entity([("Content-Type",
                     'text/csv;\n\tcharset="shift_jis";\n\tname="invoice-2019-03.csv"'),
                    ("Content-Transfer-Encoding", "base64"),
                    ("Content-Disposition", 'attachment;\n\tfilename="invoice-2019-03.csv"')],
                   b64_body(csv)),
        ])), subject=subject, text=text, attachments={"invoice-2019-03.csv": csv})

    subject = "年末のご挨拶"
    text = T("""
        山田 太郎 様

        本年も大変お世話になりました。
        来年も変わらぬお付き合いのほど、よろしくお願い申し上げます。

        ㈱サンプル 髙﨑 健二
        """)
    dt = at(2019, 12, 27, 15, 0, 0)
    tree.mail(f"{root}/Archive/2019/年末のご挨拶.eml", mail([
        ("Message-ID", "<000b01d5bc8e$11223344$55667788$@example.jp>"),
        ("From", P(TAKASAKI, "shift_jis")),
        ("To", P(TARO, "shift_jis")),
        ("Subject", ew(subject, "shift_jis")),
        ("Date", date_header(dt)),
        ("MIME-Version", "1.0"),
        *text_type("plain", "shift_jis", "8bit"),
        ("X-Mailer", "Microsoft Outlook 16.0")],
        cp932_windows(text)), subject=subject, text=text)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

def write(tree):
    for name in TREES:
        target = os.path.join(SAMPLES, name)
        if os.path.isdir(target):
            shutil.rmtree(target)
    for d in sorted(tree.dirs):
        os.makedirs(os.path.join(SAMPLES, d), exist_ok=True)
    for path, sample in sorted(tree.files.items()):
        full = os.path.join(SAMPLES, path)
        with open(full, "wb") as f:
            f.write(sample.data)
        os.chmod(full, FILE_MODE)
        os.utime(full, (sample.mtime, sample.mtime))
    # Directories last, deepest first: writing into a directory changes its mtime.
    for d in sorted(tree.dirs, key=lambda p: -p.count("/")):
        full = os.path.join(SAMPLES, d)
        os.chmod(full, DIR_MODE)
        os.utime(full, (FIXED_MTIME, FIXED_MTIME))


# --------------------------------------------------------------------------------------------
# Self-check: reads back what is on disk
# --------------------------------------------------------------------------------------------

EML_NAME = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{8}\.eml$")
ENCODED_WORD = re.compile(r"=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=")


def decode_charset(data, charset):
    return DECODERS[charset.lower()](data)


def decode_words(value):
    """RFC 2047 the way doc/JAPANESE.md asks: adjacent words of one charset are joined as bytes,
    then converted once."""
    out, pending, pending_cs, last = [], b"", None, 0
    for m in ENCODED_WORD.finditer(value):
        assert len(m.group(0)) <= 75, f"encoded word longer than 75: {m.group(0)}"
        gap = value[last:m.start()]
        charset, kind, payload = m.group(1).lower(), m.group(2).upper(), m.group(3)
        if kind == "B":
            data = base64.b64decode(payload, validate=True)
        else:
            data = re.sub(rb"=([0-9A-F]{2})", lambda x: bytes.fromhex(x.group(1).decode()),
                          payload.replace("_", " ").encode())
        if pending_cs == charset and not gap.strip():
            pending += data
        else:
            if pending_cs:
                out.append(decode_charset(pending, pending_cs))
            out.append(gap)
            pending, pending_cs = data, charset
        last = m.end()
    if pending_cs:
        out.append(decode_charset(pending, pending_cs))
    out.append(value[last:])
    return "".join(out)


def raw_headers(data):
    """[(name, raw value bytes, unfolded)] from the header block, with no help from email."""
    end = re.search(rb"\r?\n\r?\n", data)
    head = data[:end.start()] if end else data
    head = re.sub(rb"\r?\n(?=[ \t])", b"", head)
    headers = []
    for line in re.split(rb"\r?\n", head.rstrip(b"\r\n")):
        name, sep, value = line.partition(b":")
        assert sep and re.fullmatch(rb"[!-9;-~]+", name), f"bad header line {line!r}"
        headers.append((name.decode().lower(), value.strip()))
    return headers


def check_mail(path, sample, problems):
    data = sample.data
    if sample.kind == "empty":
        if data:
            problems.append(f"{path}: should be empty")
        return
    bare_eol = re.search(rb"(?<!\r)\n", data) or re.search(rb"\r(?!\n)", data)
    if sample.kind != "lf-only" and bare_eol:
        problems.append(f"{path}: line ends are not all CRLF")
    if sample.kind == "lf-only" and b"\r" in data:
        problems.append(f"{path}: should have LF-only line ends")
    if sample.kind == "no-final-eol" and data.endswith(b"\n"):
        problems.append(f"{path}: should not end with a line end")
    if sample.kind not in ("no-final-eol", "header-only") and not data.endswith(b"\n"):
        problems.append(f"{path}: does not end with a line end")
    if sample.kind == "header-only" and (b"\r\n\r\n" in data or not data.endswith(b"\r\n")):
        problems.append(f"{path}: not a bare header block ending in one CRLF")
    if any(len(line) > 998 for line in data.split(b"\n")):
        problems.append(f"{path}: line longer than 998 octets")

    headers = raw_headers(data)
    names = [name for name, _ in headers]
    required = ["from", "to", "subject", "message-id"] + ([] if sample.no_date else ["date"])
    for name in required:
        if names.count(name) != 1:
            problems.append(f"{path}: {names.count(name)} {name} headers")
    if sample.no_date and "date" in names:
        problems.append(f"{path}: should have no Date")
    if "content-type" in names and "mime-version" not in names:
        problems.append(f"{path}: Content-Type without MIME-Version")
    for name, value in headers:
        if name == "subject" and sample.raw_subject:
            got = decode_charset(value, sample.raw_subject)
        elif not value.isascii():
            problems.append(f"{path}: 8-bit bytes in {name}")
            continue
        else:
            try:
                got = decode_words(value.decode())
            except (ValueError, KeyError, AssertionError) as e:
                problems.append(f"{path}: {name}: {e}")
                continue
        if name == "subject" and sample.subject is not None and got != sample.subject:
            problems.append(f"{path}: Subject decodes to {got!r}, expected {sample.subject!r}")
    if sample.kind == "header-only":
        return

    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    cids = set()
    texts, attachments = [], {}
    for part in msg.walk():
        for defect in part.defects:
            problems.append(f"{path}: {type(defect).__name__}")
        if part.get("Content-ID"):
            cids.add(part["Content-ID"].strip().strip("<>"))
        if part.is_multipart() or part.get_content_type() == "message/rfc822":
            continue
        cte = (part.get("Content-Transfer-Encoding") or "7bit").lower()
        raw = part.get_payload(decode=False)
        if cte == "base64":
            try:
                base64.b64decode("".join(raw.split()), validate=True)
            except ValueError:
                problems.append(f"{path}: bad base64")
        if cte == "7bit" and not raw.isascii():
            problems.append(f"{path}: 8-bit data in a 7bit part")
        payload = part.get_payload(decode=True)
        if part.get_content_maintype() == "text" and not part.get_filename():
            charset = part.get_content_charset() or "us-ascii"
            try:
                texts.append(decode_charset(payload, charset))
            except (ValueError, KeyError) as e:
                problems.append(f"{path}: text part in {charset}: {e}")
        else:
            attachments[part.get_filename()] = (part, payload)
    for t in texts:
        for ref in re.findall(r'cid:([^"\'> ]+)', t):
            if ref not in cids:
                problems.append(f"{path}: cid:{ref} has no part")
    if sample.text is not None:
        got = texts[0].replace("\r\n", "\n").rstrip("\n") if texts else None
        if got != sample.text.rstrip("\n"):
            problems.append(f"{path}: first text part does not decode to the expected text")
    for name, expected in sample.attachments.items():
        if name not in attachments or attachments[name][1] != expected:
            problems.append(f"{path}: attachment {name!r} missing or damaged")
            continue
        part = attachments[name][0]
        ct_name = part.get_param("name")
        if ct_name and "=?" in ct_name and decode_words(ct_name) != name:
            problems.append(f"{path}: RFC 2047 name= does not decode to {name!r}")
    for part in msg.walk():
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()[0]
            if inner.defects or not inner["Message-ID"]:
                problems.append(f"{path}: forwarded message is not well formed")
            decode_charset(inner.get_payload(decode=True), inner.get_content_charset())


def check_png(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind}"
        if kind == b"IDAT":
            zlib.decompress(body)
        pos += 12 + length
    assert kind == b"IEND"


def check_oeaccount(path, data, problems):
    if not data.startswith(b"\xff\xfe"):
        problems.append(f"{path}: no UTF-16LE BOM")
    text = data[2:].decode("utf-16-le")
    declaration = '<?xml version="1.0" encoding="utf-16" ?>\r\n'
    if re.search(r"(?<!\r)\n", text) or not text.startswith(declaration):
        problems.append(f"{path}: declaration or line ends wrong")
    root = ET.fromstring(data)
    if root.tag != "MessageAccount":
        problems.append(f"{path}: root is {root.tag}")
    patterns = {"SZ": r".*", "DWORD": r"[0-9a-f]{8}", "BINARY": r"(?:[0-9a-f]{2})+"}
    for element in root:
        kind = element.get("type")
        if kind not in patterns or not re.fullmatch(patterns[kind], element.text or ""):
            problems.append(f"{path}: {element.tag} type={kind} value {element.text!r}")


def self_check(tree):
    problems = []
    on_disk, dirs_on_disk = set(), set()
    for name in TREES:
        for dirpath, dirnames, filenames in os.walk(os.path.join(SAMPLES, name)):
            for filename in filenames:
                on_disk.add(os.path.relpath(os.path.join(dirpath, filename), SAMPLES))
            for dirname in dirnames:
                dirs_on_disk.add(os.path.relpath(os.path.join(dirpath, dirname), SAMPLES))
    if on_disk != set(tree.files):
        problems.append(f"files on disk differ from the plan: {on_disk ^ set(tree.files)}")
    if dirs_on_disk != tree.dirs - set(TREES):
        problems.append(f"directories differ from the plan: {dirs_on_disk ^ tree.dirs}")

    for path in sorted(on_disk & set(tree.files)):
        sample = tree.files[path]
        with open(os.path.join(SAMPLES, path), "rb") as f:
            if f.read() != sample.data:
                problems.append(f"{path}: content on disk differs")
        base = os.path.basename(path)
        if path.endswith(".oeaccount"):
            check_oeaccount(path, sample.data, problems)
        elif base.endswith(".eml"):
            if not path.startswith("eml-tree/") and not EML_NAME.match(base):
                problems.append(f"{path}: not an XXXXXXXX-XXXXXXXX.eml name")
            check_mail(path, sample, problems)
        elif sample.kind != "side":
            problems.append(f"{path}: unexpected file")
        # mail folders hold only .eml (and winmail.fol in Windows Mail, desktop.ini in Outbox)
        if "/Storage Folders/" in path or "/INBOX/" in path or "/[Gmail]/" in path:
            if not base.endswith(".eml") and base != "desktop.ini":
                problems.append(f"{path}: stray file in a mail folder")
        if "/Local Folders/" in path and not (base.endswith(".eml") or base == "winmail.fol"):
            problems.append(f"{path}: stray file in a mail folder")

    for d in tree.dirs:
        if d.startswith(VISTA_LOCAL + "/") and f"{d}/winmail.fol" not in tree.files:
            problems.append(f"{d}: no winmail.fol")
    if any(os.path.dirname(p) == f"{GMAIL_DIR}/[Gmail]" for p in tree.files):
        problems.append("[Gmail] holds messages of its own")
    with open(os.path.join(SAMPLES, WLM, "Mail.MSMessageStore"), "rb") as f:
        if f.read(8)[4:8] != bytes.fromhex("efcdab89"):
            problems.append("Mail.MSMessageStore is not an ESE database")
    try:
        check_png(hinomaru_png())
    except (AssertionError, zlib.error) as e:
        problems.append(f"PNG: {e}")
    pdf = fake_pdf()
    if not (pdf.startswith(b"%PDF-1.4") and pdf.endswith(b"%%EOF\n") and 1900 < len(pdf) < 2200):
        problems.append(f"fake PDF looks wrong ({len(pdf)} bytes)")

    total = sum(len(s.data) for s in tree.files.values())
    if total > SIZE_LIMIT:
        problems.append(f"samples are {total} bytes, over {SIZE_LIMIT}")
    return problems, total


def digest():
    """One hash over every path, mode, mtime and content: equal runs give equal digests."""
    h = hashlib.sha256()
    for name in TREES:
        for dirpath, dirnames, filenames in sorted(os.walk(os.path.join(SAMPLES, name))):
            for entry in sorted(dirnames) + sorted(filenames):
                full = os.path.join(dirpath, entry)
                st = os.stat(full)
                h.update(f"{os.path.relpath(full, SAMPLES)}\0{st.st_mode:o}\0{int(st.st_mtime)}\0"
                         .encode())
                if os.path.isfile(full):
                    with open(full, "rb") as f:
                        h.update(f.read())
    return h.hexdigest()


def main():
    tree = Tree()
    wlm_store(tree)
    windows_mail_store(tree)
    eml_tree(tree)
    write(tree)
    problems, total = self_check(tree)
    mails = sum(1 for p in tree.files if p.endswith(".eml"))
    print(f"wrote {len(tree.files)} files ({mails} .eml) in {len(tree.dirs)} directories, "
          f"{total} bytes; digest {digest()}")
    for problem in problems:
        print("PROBLEM:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
