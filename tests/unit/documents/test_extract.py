"""Resume / job-description extraction: real documents built here, checked as a user sees them."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from mockflow.documents import (
    DocumentError,
    DocumentTooLarge,
    DocumentUnreadable,
    ExtractLimits,
    extract_text,
)
from mockflow.errors import MockflowError
from tests import docfixtures as fx


def test_file_over_the_size_limit_is_refused_without_reading_it(tmp_path: Path):
    path = tmp_path / "huge.pdf"
    with path.open("wb") as handle:
        handle.truncate(5_000_001)

    with pytest.raises(DocumentTooLarge, match=r"5\.0 MB; the limit is 5\.0 MB"):
        extract_text(path)
    with pytest.raises(DocumentTooLarge):
        extract_text(b"x" * 2_000, limits=ExtractLimits(max_bytes=1_000))


def test_paths_are_read_and_missing_files_reported(tmp_path: Path):
    path = tmp_path / "cv.docx"
    path.write_bytes(fx.docx_bytes(["Alex Morgan"]))

    assert extract_text(path) == "Alex Morgan"
    assert extract_text(str(path)) == "Alex Morgan"
    with pytest.raises(DocumentUnreadable):
        extract_text(tmp_path / "missing.pdf")


def test_every_document_error_is_a_mockflow_error_without_file_content():
    secret = b"Alex Morgan SSN 123-45-6789"
    with pytest.raises(DocumentError) as caught:
        extract_text(secret[:5] + b"\x00" * 4000, "Alex_Morgan_resume.txt")

    assert isinstance(caught.value, MockflowError)
    assert "Alex" not in str(caught.value)


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_damaged_files_give_a_document_error_or_text_never_a_crash(kind):
    seed = (
        fx.text_pdf([fx.resume_lines()] * 2, footer="Page {page}")
        if kind == "pdf"
        else fx.docx_bytes(["Alex"], bullets=["Led"], table=[["Go", "SQL"]], textbox="Box")
    )
    rng = random.Random(7)
    for _ in range(150):
        data = bytearray(seed)
        for _ in range(rng.randint(1, 20)):
            at = rng.randrange(len(data))
            data[at : at + rng.randint(0, 40)] = rng.randbytes(rng.randint(0, 20))
        try:
            text = extract_text(bytes(data), f"cv.{kind}")
        except DocumentError:
            continue
        assert isinstance(text, str) and text
