"""Turning an import file's bytes into text: encoding detection and refusal of what is not text.

Owns the rules for which bytes lsr accepts as a text import file (RIS, CSV, MEDLINE, BibTeX, WoS): UTF-8
(with or without a byte-order mark), UTF-16/32 with a byte-order mark (and UTF-16 without one, recognised by
its zero bytes), and Windows-1252/Latin-1 (what EndNote and older Scopus/Web of Science exports on Windows write). Line endings
CRLF, LF and CR all become ``\\n``. Everything else is refused with an ``LsrError`` naming the file and,
where it applies, the line: empty files, binary data (PDF, Excel, zip, images, …; a NUL byte, or control
characters making up more than ``BINARY_SHARE`` of the file), files mixing UTF-8 with another encoding, and
text whose Latin-1 reading is implausible (probably another code page). A zip archive that cannot be opened
is called damaged or truncated. ``--encoding`` overrides the detection.

A few stray control characters inside otherwise plain text are not binary data: real exports carry them
(PubMed abstracts in which a symbol such as "≈" became U+0001; a vertical tab where a spreadsheet cell
had a line break). Each becomes U+FFFD, the replacement character, so a reader sees that something was
there, and ``Decoded.warnings`` names the lines.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lsr.errors import LsrError

_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip archive that is neither an Excel workbook nor an ASReview project (a Word file?)"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (Excel .xls? save it as CSV)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ", "an xz archive"),
    (b"7z\xbc\xaf", "a 7-zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "a program"),
    (b"{\\rtf", "an RTF document (save it as plain text)"),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters that do not belong in text exports (tab, LF, FF, CR and the DOS end-of-file mark do).
_CONTROL_CHARS = "[\x00-\x08\x0b\x0e-\x19\x1b-\x1f\x7f]"
_CONTROL = re.compile(_CONTROL_CHARS.encode())
_CONTROL_TEXT = re.compile(_CONTROL_CHARS)
BINARY_SHARE = 0.01
"""Control characters above this share of a file's characters make it binary data, not text with a few strays."""
_CONTENT = re.compile(rb"[^ \t\r\n\x1a\xef\xbb\xbf]")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
# Letters of Windows-1252 above ASCII: accented Latin letters, œ, š, ž, ÿ …
_LATIN_LETTERS = re.compile(r"[\u00c0-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e]")


@dataclass(frozen=True)
class Decoded:
    """The text of an import file and how it was read."""

    text: str
    encoding: str
    warnings: tuple[str, ...] = ()  # stray control characters replaced (one line, naming where)


def line_of(data: bytes, offset: int) -> int:
    """The 1-based line number of a byte offset (counting LF, CRLF and lone CR line ends)."""
    head = data[:offset]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR become LF; a leading byte-order mark and a trailing DOS end-of-file mark go."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.rstrip("\x1a") if text.endswith("\x1a") else text


def zip_holds(data: bytes, member: str) -> bool:
    """Whether the bytes are a zip archive with ``member`` in it (an Excel workbook, an ASReview project)."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return member in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _zip_opens(data: bytes) -> bool:
    """Whether a zip archive's directory can be read (a truncated file has lost it: it sits at the end)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)):
            return True
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def read_bytes(path: str | Path) -> bytes:
    """The bytes of an input file, or one line saying why it cannot be read (folder, missing, unreadable)."""
    name, p = str(path), Path(path)
    if p.is_dir():
        raise LsrError(f"{name}: is a folder, not a file")
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise LsrError(f"{name}: no such file") from None
    except OSError as exc:
        raise LsrError(f"{name}: cannot read: {exc.strerror or exc}") from None


def decode_bytes(data: bytes, name: str, encoding: str | None = None) -> Decoded:
    """Decode an import file's bytes, or refuse them.

    Args:
        data: the whole file.
        name: the file name used in messages.
        encoding: a Python codec name that overrides detection (``--encoding``).

    Raises:
        LsrError: empty file, binary data, control characters, an unknown or mixed encoding.
    """
    if not _CONTENT.search(data):
        raise LsrError(f"{name}: empty file: nothing to import")
    if encoding:
        return _decode_as(data, name, encoding)
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _decode_as(data, name, codec)
    if data.startswith(b"PK\x03\x04") and not _zip_opens(data):
        raise LsrError(f"{name}: a damaged or truncated zip archive (cut off in a download or copy?): it cannot be "
                       "opened, so it is neither read as an Excel workbook nor as an ASReview project")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise LsrError(f"{name}: binary data, not a text export (RIS, CSV, MEDLINE, BibTeX): this looks like {what}")
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _decode_as(data, name, utf16)
    control = _CONTROL.search(data)
    if control and (b"\x00" in data or len(_CONTROL.findall(data)) > BINARY_SHARE * len(data)):
        raise LsrError(f"{name}: line {line_of(data, control.start())}: binary data (control byte "
                       f"0x{data[control.start()]:02x}), not a text export (RIS, CSV, MEDLINE, BibTeX)")
    try:
        return _with_strays_replaced(normalize_newlines(data.decode("utf-8")), "utf-8", name, control is not None)
    except UnicodeDecodeError as exc:
        bad = exc.start
    line = line_of(data, bad)
    if len(_UTF8_MULTIBYTE.findall(data)) >= 2:
        raise LsrError(f"{name}: line {line}: unknown encoding: the file mixes UTF-8 with another encoding "
                       f"(byte 0x{data[bad]:02x} is not UTF-8); re-export it as UTF-8")
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise LsrError(f"{name}: line {line_of(data, exc.start)}: unknown encoding: byte 0x{data[exc.start]:02x} "
                       "is neither UTF-8 nor Windows-1252/Latin-1; re-export as UTF-8 or give --encoding") from None
    letters = sum(ch.isalpha() for ch in text[:200_000])
    latin = len(_LATIN_LETTERS.findall(text[:200_000]))
    if letters and latin > 0.25 * letters:
        raise LsrError(f"{name}: line {line}: unknown encoding: not UTF-8, and read as Windows-1252 it is "
                       f"mostly accented letters (another code page?); re-export as UTF-8 or give --encoding")
    return _with_strays_replaced(normalize_newlines(text), "cp1252", name, control is not None)


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the zero bytes sit at every other position, as in ASCII-range UTF-16."""
    sample = data[:4096]
    if len(sample) < 8 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.8 * len(odd) and even.count(0) < 0.2 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.8 * len(even) and odd.count(0) < 0.2 * len(odd):
        return "utf-16-be"
    return None


def _decode_as(data: bytes, name: str, codec: str) -> Decoded:
    try:
        codecs.lookup(codec)
    except LookupError:
        raise LsrError(f"{name}: unknown encoding {codec!r} (give a Python codec name such as utf-8 or cp1252)"
                       ) from None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        where = f"line {line_of(data, exc.start)}: " if codec.startswith(("utf-8", "cp", "latin", "iso")) else ""
        raise LsrError(f"{name}: {where}not valid {codec}: {exc.reason}") from None
    control = _CONTROL_TEXT.search(text)
    if control and ("\x00" in text or len(_CONTROL_TEXT.findall(text)) > BINARY_SHARE * len(text)):
        line = text.count("\n", 0, control.start()) + 1
        raise LsrError(f"{name}: line {line}: binary data (control character U+{ord(control.group()):04X}), "
                       "not a text export (RIS, CSV, MEDLINE, BibTeX)")
    used = codec.replace("-sig", "") if codec == "utf-8-sig" else codec
    return _with_strays_replaced(normalize_newlines(text), used, name, control is not None)


def _with_strays_replaced(text: str, encoding: str, name: str, found: bool) -> Decoded:
    """The decoded text with each stray control character replaced by U+FFFD, and a warning naming the lines.

    ``found``: whether the check for binary data saw a control character at all (else the text is not scanned
    again; control characters decode to themselves in every codec lsr detects).
    """
    strays = [m.start() for m in _CONTROL_TEXT.finditer(text)] if found else []
    if not strays:
        return Decoded(text, encoding)
    lines, line, at = [], 1, 0
    for stray in strays:  # counted from the previous stray on, not from the start each time
        line += text.count("\n", at, stray)
        at = stray
        if not lines or lines[-1] != line:
            lines.append(line)
    shown = ", ".join(map(str, lines[:10])) + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")
    codes = ", ".join(sorted({f"U+{ord(text[at]):04X}" for at in strays}))
    warning = (f"{name}: {len(strays)} stray control character(s) ({codes}) replaced by \ufffd, "
               f"line(s) {shown}")
    return Decoded(_CONTROL_TEXT.sub("\ufffd", text), encoding, (warning,))
