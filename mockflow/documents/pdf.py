"""PDF text through PDFium (pypdfium2): one string per page.

PDFium was chosen by measurement (bench/extract.py, the closing note of issue 5): it
separates words on LaTeX/Typst PDFs whose fonts have no space glyph, where pypdf glues
them, and it is about 5x faster (0.15 vs 0.84 ms a page). pypdf is not used at run time.
"""

from __future__ import annotations

import threading

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from mockflow.documents.errors import (
    CorruptDocument,
    EncryptedDocument,
    ExtractionTimeout,
    NoTextLayer,
    TooManyPages,
)
from mockflow.documents.limits import Deadline, ExtractLimits

# PDFium is not thread-safe and pypdfium2 does not serialise calls; the app serves
# uploads from several threads.
_PDFIUM_LOCK = threading.Lock()


def read_pdf(data: bytes, limits: ExtractLimits, deadline: Deadline) -> list[str]:
    """The text of each page of the PDF in `data`, within `limits`."""
    if not _PDFIUM_LOCK.acquire(timeout=deadline.remaining()):
        raise ExtractionTimeout(limits.max_seconds)
    try:
        pages = _read_pages(data, limits, deadline)
    finally:
        _PDFIUM_LOCK.release()
    if not any(page.strip() for page in pages):
        raise NoTextLayer()
    return pages


def _read_pages(data: bytes, limits: ExtractLimits, deadline: Deadline) -> list[str]:
    document = _open(data)
    try:
        count = len(document)
        if count == 0:
            raise CorruptDocument("PDF")
        if count > limits.max_pages:
            raise TooManyPages(count, limits.max_pages)
        pages = []
        for index in range(count):
            deadline.check()
            pages.append(_page_text(document, index))
        deadline.check()
        return pages
    finally:
        document.close()


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise EncryptedDocument() from None
        raise CorruptDocument("PDF") from None


def _page_text(document: pdfium.PdfDocument, index: int) -> str:
    try:
        page = document[index]
    except pdfium.PdfiumError:
        raise CorruptDocument("PDF") from None
    try:
        textpage = page.get_textpage()
        try:
            # get_text_bounded covers all of Unicode; get_text_range stops at UCS-2.
            return textpage.get_text_bounded()
        finally:
            textpage.close()
    except pdfium.PdfiumError:
        raise CorruptDocument("PDF") from None
    finally:
        page.close()
