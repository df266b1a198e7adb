"""A file is read as what its content is, whatever its name says."""

from __future__ import annotations

import pytest

from mockflow.documents import (
    CorruptDocument,
    UnsupportedDocumentType,
    extract_text,
)
from tests import docfixtures as fx


def test_png_renamed_to_pdf_is_named_for_what_it_is():
    with pytest.raises(UnsupportedDocumentType, match=r"ends in \.pdf, but it is a PNG image"):
        extract_text(fx.png_bytes(), "resume.pdf")


@pytest.mark.parametrize(
    ("members", "found"),
    [
        ({"notes.txt": b"hello"}, "a zip archive"),
        ({"xl/workbook.xml": b"<workbook/>"}, "an Excel workbook"),
    ],
)
def test_other_zip_files_are_not_word_documents(members, found):
    with pytest.raises(UnsupportedDocumentType, match=found):
        extract_text(fx.zip_archive(members), "resume.docx")


def test_text_content_wins_over_a_pdf_name():
    assert extract_text(b"Alex Morgan, engineer", "resume.pdf") == "Alex Morgan, engineer"


def test_binary_file_named_pdf_is_damaged_and_named_txt_is_unsupported():
    junk = bytes(range(256)) * 8

    with pytest.raises(CorruptDocument):
        extract_text(junk, "resume.pdf")
    with pytest.raises(UnsupportedDocumentType, match="binary file"):
        extract_text(junk, "resume.txt")
