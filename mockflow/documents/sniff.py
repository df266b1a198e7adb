"""Decide a file's type from its content (magic bytes); the name is only used in messages."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath
from typing import Literal

from mockflow.documents.errors import CorruptDocument, UnsupportedDocumentType

Kind = Literal["pdf", "docx", "text"]

# (signature, offset, description) of formats people upload by mistake.
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "a PNG image"),
    (b"\xff\xd8\xff", 0, "a JPEG image"),
    (b"GIF8", 0, "a GIF image"),
    (b"WEBP", 8, "a WebP image"),
    (b"II*\x00", 0, "a TIFF image"),
    (b"MM\x00*", 0, "a TIFF image"),
    (b"ftypheic", 4, "a HEIC photo"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        0,
        "an old-format (.doc) or password-protected Office file",
    ),
    (b"{\\rtf", 0, "an RTF document"),
    (b"\x1f\x8b", 0, "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "a 7-Zip archive"),
    (b"Rar!", 0, "a RAR archive"),
    (b"\x7fELF", 0, "a program"),
)
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
_OTHER_OFFICE = (("xl/", "an Excel workbook"), ("ppt/", "a PowerPoint presentation"))
# The PDF header may follow a little junk; readers accept it within the first 1024 bytes.
_PDF_HEADER_WINDOW = 1024


def sniff(data: bytes, filename: str | None = None) -> Kind:
    """The kind of document `data` holds, or `UnsupportedDocumentType` naming what it is."""
    claimed = _claimed_suffix(filename)
    if b"%PDF-" in data[:_PDF_HEADER_WINDOW]:
        return "pdf"
    if data.startswith(_ZIP_SIGNATURES):
        return _sniff_zip(data, claimed)
    for signature, offset, found in _SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            raise UnsupportedDocumentType(found, _mismatch(claimed, found))
    return "text"


def _sniff_zip(data: bytes, claimed: str | None) -> Kind:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        if claimed == ".docx":
            raise CorruptDocument("Word document") from None
        raise UnsupportedDocumentType("a damaged zip archive", claimed) from None
    if any(name.startswith("word/") for name in names):
        return "docx"
    for prefix, found in _OTHER_OFFICE:
        if any(name.startswith(prefix) for name in names):
            raise UnsupportedDocumentType(found, _mismatch(claimed, found))
    found = "an OpenDocument file" if "mimetype" in names else "a zip archive"
    raise UnsupportedDocumentType(found, _mismatch(claimed, found))


def _claimed_suffix(filename: str | None) -> str | None:
    return PurePath(filename).suffix.lower() or None if filename else None


def _mismatch(claimed: str | None, found: str) -> str | None:
    """The claimed suffix, when the name promises a document the content is not."""
    return claimed if claimed in {".pdf", ".docx", ".txt", ".md"} else None
