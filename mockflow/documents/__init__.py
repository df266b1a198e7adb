"""Resume and job-description extraction: PDF, Word (.docx) and plain text to clean text.

The type comes from the content, never from the name alone; size, pages, characters and
time are bounded by `ExtractLimits`; every bad input raises a `DocumentError` subclass
whose message a candidate can act on. Uploads are parsed to text and never kept.

`extract_text` runs in the calling process; `extract_isolated` runs the same extraction
in a child process with a memory limit and a hard time limit: use it for uploads.
"""

from mockflow.documents.cli import main
from mockflow.documents.errors import (
    CorruptDocument,
    DocumentError,
    DocumentTooComplex,
    DocumentTooLarge,
    DocumentUnreadable,
    EmptyDocument,
    EncryptedDocument,
    ExtractionTimeout,
    NoTextLayer,
    TooManyPages,
    UnsafeArchive,
    UnsupportedDocumentType,
)
from mockflow.documents.extract import ExtractedDocument, extract_document, extract_text
from mockflow.documents.isolated import extract_isolated
from mockflow.documents.limits import ExtractLimits

__all__ = [
    "CorruptDocument",
    "DocumentError",
    "DocumentTooComplex",
    "DocumentTooLarge",
    "DocumentUnreadable",
    "EmptyDocument",
    "EncryptedDocument",
    "ExtractLimits",
    "ExtractedDocument",
    "ExtractionTimeout",
    "NoTextLayer",
    "TooManyPages",
    "UnsafeArchive",
    "UnsupportedDocumentType",
    "extract_document",
    "extract_isolated",
    "extract_text",
    "main",
]
