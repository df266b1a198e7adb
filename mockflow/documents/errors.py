"""Errors of document extraction: one `DocumentError` subclass per thing a user can fix.

Messages are written for the candidate and name no file content and no file name.
"""

from __future__ import annotations

from mockflow.errors import MockflowError

PASTE_INSTEAD = "paste the text instead"


class DocumentError(MockflowError):
    """A resume or job description could not be turned into text."""


class DocumentUnreadable(DocumentError):
    """The file could not be opened at all (missing, a directory, no permission)."""

    def __init__(self) -> None:
        super().__init__("The file could not be opened.")


class UnsupportedDocumentType(DocumentError):
    """The content is not a PDF, a Word document (.docx) or plain text."""

    def __init__(self, found: str, claimed: str | None = None) -> None:
        what = f"This file's name ends in {claimed}, but it is" if claimed else "This file is"
        super().__init__(
            f"{what} {found}. Upload a PDF, a Word .docx or a text file, or {PASTE_INSTEAD}."
        )
        self.found = found


class EncryptedDocument(DocumentError):
    """The PDF needs a password to open."""

    def __init__(self) -> None:
        super().__init__(
            f"This PDF is password-protected. Save a copy without a password, or {PASTE_INSTEAD}."
        )


class NoTextLayer(DocumentError):
    """The PDF has pages but no selectable text, as a scan or a photo has."""

    def __init__(self) -> None:
        super().__init__(f"This PDF has no selectable text (it looks scanned) — {PASTE_INSTEAD}.")


class CorruptDocument(DocumentError):
    """The file has the right type but is damaged or incomplete."""

    def __init__(self, kind: str) -> None:
        super().__init__(
            f"This {kind} is damaged or incomplete and could not be read. "
            f"Export it again, or {PASTE_INSTEAD}."
        )


class DocumentTooLarge(DocumentError):
    """The file is bigger than the size limit."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"This file is {_megabytes(size)}; the limit is {_megabytes(limit)}. "
            f"Upload a smaller file, or {PASTE_INSTEAD}."
        )


class TooManyPages(DocumentError):
    """The PDF has more pages than the page limit."""

    def __init__(self, pages: int, limit: int) -> None:
        super().__init__(
            f"This PDF has {pages} pages; the limit is {limit}. "
            "Upload just the resume or job description."
        )


class UnsafeArchive(DocumentError):
    """A .docx whose zip members are huge or compressed suspiciously well (a zip bomb)."""

    def __init__(self) -> None:
        super().__init__(
            "This Word file contains oversized compressed content and was not opened. "
            f"Save it again from Word, upload a PDF, or {PASTE_INSTEAD}."
        )


class ExtractionTimeout(DocumentError):
    """Reading the file took longer than the time limit."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"Reading this file took longer than {seconds:g} seconds and was stopped. "
            f"Upload a simpler file, or {PASTE_INSTEAD}."
        )


class DocumentTooComplex(DocumentError):
    """Reading the file needed more memory than allowed (a decompression bomb, or worse)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"Reading this file needed more than {_megabytes(limit)} of memory and was stopped. "
            f"Upload a simpler file, or {PASTE_INSTEAD}."
        )


class EmptyDocument(DocumentError):
    """The file was read but holds no text."""

    def __init__(self) -> None:
        super().__init__(f"No text was found in this file. Check the file, or {PASTE_INSTEAD}.")


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
