"""`python -m mockflow extract FILE` as a user runs it: a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mockflow.documents import (
    DocumentTooComplex,
    ExtractLimits,
    TooManyPages,
    extract_document,
    extract_isolated,
)
from tests import docfixtures as fx

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def run_extract(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockflow", "extract", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def test_prints_what_the_interviewer_will_read(tmp_path: Path):
    path = tmp_path / "cv.pdf"
    path.write_bytes(fx.latex_style_pdf(["Jane Doe · DevOps Engineer", "Built a Go operator"]))

    result = run_extract(str(path))

    assert result.returncode == 0, result.stderr
    assert result.stdout == "Jane Doe · DevOps Engineer\nBuilt a Go operator\n"
    assert result.stderr == ""


def test_word_document_with_unicode(tmp_path: Path):
    path = tmp_path / "cv.docx"
    path.write_bytes(fx.docx_bytes(["José Núñez 王小明"], bullets=["Led the ledger migration"]))

    result = run_extract(str(path))

    assert result.returncode == 0, result.stderr
    assert result.stdout == "José Núñez 王小明\n- Led the ledger migration\n"


@pytest.mark.parametrize(
    ("name", "build", "message"),
    [
        pytest.param("photo.pdf", fx.png_bytes, "PNG image", id="png-named-pdf"),
        pytest.param("scan.pdf", fx.image_only_pdf, "no selectable text", id="scanned"),
        pytest.param("bomb.docx", fx.zip_bomb_docx, "oversized compressed", id="zip-bomb"),
        pytest.param("long.pdf", lambda: fx.many_pages_pdf(30), "30 pages; the limit", id="pages"),
    ],
)
def test_bad_file_gives_one_line_error_and_exit_2(tmp_path: Path, name, build, message):
    path = tmp_path / name
    path.write_bytes(build())

    result = run_extract(str(path))

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("mockflow extract: ") and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_missing_file_and_missing_argument_exit_2(tmp_path: Path):
    missing = run_extract(str(tmp_path / "nope.pdf"))
    usage = run_extract()

    assert missing.returncode == 2 and "could not be opened" in missing.stderr
    assert usage.returncode == 2 and "usage: python -m mockflow extract FILE" in usage.stderr


# --- extract_isolated: the child process the app and the CLI read uploads in -------------


def test_isolated_extraction_returns_what_in_process_extraction_does():
    pdf = fx.text_pdf([fx.resume_lines()])

    isolated = extract_isolated(pdf, "Alex_Morgan.pdf")

    assert isolated == extract_document(pdf, "Alex_Morgan.pdf")


def test_isolated_extraction_raises_the_same_error_classes():
    with pytest.raises(TooManyPages, match="300 pages; the limit is 20"):
        extract_isolated(fx.many_pages_pdf(300), "thesis.pdf")


def test_pdf_that_inflates_past_the_memory_limit_is_stopped_not_fatal():
    limits = ExtractLimits(max_memory_bytes=400_000_000)

    with pytest.raises(DocumentTooComplex, match="needed more than 400.0 MB of memory"):
        extract_isolated(fx.flate_bomb_pdf(600), "cv.pdf", limits=limits)


def test_cli_reports_a_pdf_decompression_bomb_in_one_line(tmp_path: Path):
    path = tmp_path / "cv.pdf"
    path.write_bytes(fx.flate_bomb_pdf(1000))

    result = run_extract(str(path))

    assert result.returncode == 2
    assert result.stderr.startswith("mockflow extract: Reading this file needed more than")
    assert result.stderr.count("\n") == 1
