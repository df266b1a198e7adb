"""Plain text (TXT, Markdown) decoding: BOMs, UTF-8, UTF-16, then a single-byte fallback.

No statistical guessing: UTF-8 is tried strictly first (it almost never decodes text in
another encoding), then Windows-1252, the de-facto Western default, and Latin-1, which
decodes any byte. A result that is mostly control characters is binary, not text.
"""

from __future__ import annotations

import codecs
import unicodedata

from mockflow.documents.errors import UnsupportedDocumentType

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_MIN_PRINTABLE_SHARE = 0.95


def decode_text(data: bytes) -> str:
    """`data` decoded as text, or `UnsupportedDocumentType` if it is binary."""
    text = _decode(data)
    if text and _printable_share(text) < _MIN_PRINTABLE_SHARE:
        raise UnsupportedDocumentType("a binary file of an unknown type")
    return text


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, errors="replace")
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 of mostly-ASCII text has a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _printable_share(text: str) -> float:
    sample = text[:20_000]
    junk = sum(1 for char in sample if _is_junk(char))
    return 1 - junk / len(sample)


def _is_junk(char: str) -> bool:
    """Control characters other than line breaks and tabs, and undecodable bytes."""
    return char == "\ufffd" or (unicodedata.category(char) == "Cc" and char not in "\n\r\t\f")
