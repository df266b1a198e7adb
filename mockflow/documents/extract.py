"""`extract_text`: one document (path or bytes) in, normalised and bounded text out."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mockflow.documents.errors import (
    CorruptDocument,
    DocumentTooLarge,
    DocumentUnreadable,
    EmptyDocument,
    NoTextLayer,
    UnsupportedDocumentType,
)
from mockflow.documents.limits import Deadline, ExtractLimits
from mockflow.documents.pdf import read_pdf
from mockflow.documents.plaintext import decode_text
from mockflow.documents.sniff import Kind, sniff
from mockflow.documents.word import read_docx
from mockflow.interview.normalize import drop_repeated_lines, normalize_text, truncate

Source = str | os.PathLike[str] | bytes | bytearray | memoryview
# Once whitespace runs are squeezed, normalising shrinks text by less than this factor.
_RAW_CHARS_PER_CHAR = 4
_SPACE_RUNS = re.compile(r"[^\S\n]+")
_BLANK_RUNS = re.compile(r"\n(?:[^\S\n]*\n)+")


@dataclass(frozen=True)
class ExtractedDocument:
    """The text the interviewer will read, and what the UI may say about it."""

    text: str
    kind: Kind
    pages: int | None
    truncated: bool


def extract_document(
    source: Source,
    filename: str | None = None,
    *,
    limits: ExtractLimits | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ExtractedDocument:
    """Extract `source` (a path or the file's bytes); `filename` is used in messages only.

    Raises a `DocumentError` subclass with a message for the candidate on any bad input.
    """
    limits = limits or ExtractLimits()
    deadline = Deadline(limits.max_seconds, clock)
    if filename is None and isinstance(source, str | os.PathLike):
        filename = os.fspath(source)
    data = read_source(source, limits.max_bytes)
    if not data.strip():
        raise EmptyDocument()
    kind = sniff(data, filename)
    raw, pages = _raw_text(kind, data, filename, limits, deadline)
    raw = _BLANK_RUNS.sub("\n\n", _SPACE_RUNS.sub(" ", raw))
    # Normalising a 5 MB text to keep 30,000 characters would waste seconds: cut early.
    text = normalize_text(raw[: limits.max_chars * _RAW_CHARS_PER_CHAR])
    deadline.check()
    if not text:
        raise NoTextLayer() if kind == "pdf" else EmptyDocument()
    cut_early = len(raw) > limits.max_chars * _RAW_CHARS_PER_CHAR
    bounded, truncated = truncate(text, limits.max_chars, cut_already=cut_early)
    return ExtractedDocument(bounded, kind, pages, truncated)


def _raw_text(
    kind: Kind, data: bytes, filename: str | None, limits: ExtractLimits, deadline: Deadline
) -> tuple[str, int | None]:
    """The text as the format gives it, and the page count of a PDF."""
    if kind == "pdf":
        pages = read_pdf(data, limits, deadline)
        return "\n\n".join(drop_repeated_lines(pages)), len(pages)
    if kind == "docx":
        return read_docx(data, limits, deadline), None
    return _decode(data, filename), None


def extract_text(
    source: Source,
    filename: str | None = None,
    *,
    limits: ExtractLimits | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """The normalised text of `source`, truncated with a note past `limits.max_chars`."""
    return extract_document(source, filename, limits=limits, clock=clock).text


def read_source(source: Source, max_bytes: int) -> bytes:
    """The file's bytes; a path is measured before it is read, and read no further."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > max_bytes:
            raise DocumentTooLarge(len(data), max_bytes)
        return data
    try:
        with Path(source).open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                raise DocumentTooLarge(size, max_bytes)
            data = handle.read(max_bytes + 1)
    except OSError:
        raise DocumentUnreadable() from None
    if len(data) > max_bytes:  # grew while being read, or not a regular file
        raise DocumentTooLarge(len(data), max_bytes)
    return data


def _decode(data: bytes, filename: str | None) -> str:
    """Plain text; a binary file named .pdf or .docx is a damaged document, not a type error."""
    try:
        return decode_text(data)
    except UnsupportedDocumentType:
        suffix = Path(filename).suffix.lower() if filename else ""
        if suffix in {".pdf", ".docx"}:
            raise CorruptDocument("PDF" if suffix == ".pdf" else "Word document") from None
        raise
