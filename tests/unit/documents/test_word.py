"""Word (.docx) resumes: every part of the document read in order; archives that would
inflate beyond the limits refused before they do."""

from __future__ import annotations

import pytest

from mockflow.documents import (
    CorruptDocument,
    EmptyDocument,
    ExtractLimits,
    UnsafeArchive,
    extract_text,
)
from tests import docfixtures as fx


def test_docx_reads_header_paragraphs_bullets_tables_text_boxes_and_footer():
    data = fx.docx_bytes(
        ["José Núñez 王小明", "Backend engineer who likes hard problems."],
        bullets=["Led the ledger migration", "Built the fraud service"],
        table=[["Python", "Go"], ["Kafka", "PostgreSQL"]],
        header="José Núñez - Resume",
        footer="References on request",
        textbox="Open to relocation",
    )
    lines = [line for line in extract_text(data, "cv.docx").split("\n") if line]

    assert lines == [
        "José Núñez - Resume",
        "José Núñez 王小明",
        "Backend engineer who likes hard problems.",
        "- Led the ledger migration",
        "- Built the fraud service",
        "Python | Go",
        "Kafka | PostgreSQL",
        "Open to relocation",
        "References on request",
    ]


@pytest.mark.parametrize("member", ["word/document.xml", "word/media/image1.png"])
def test_docx_zip_bomb_is_refused_before_inflating(member):
    bomb = fx.zip_bomb_docx(member, unpacked_mb=200)
    assert len(bomb) < 1_000_000

    with pytest.raises(UnsafeArchive, match="oversized compressed content"):
        extract_text(bomb, "resume.docx")


def test_docx_zip_bomb_with_forged_sizes_is_stopped_at_the_declared_size():
    bomb = fx.lying_zip_bomb_docx(unpacked_mb=300)

    with pytest.raises(CorruptDocument, match="Word document is damaged"):
        extract_text(bomb, "resume.docx")


def test_docx_archive_limits_are_configurable():
    data = fx.docx_bytes(["Alex Morgan"])

    with pytest.raises(UnsafeArchive):
        extract_text(data, limits=ExtractLimits(max_archive_members=3))
    with pytest.raises(UnsafeArchive):
        extract_text(data, limits=ExtractLimits(max_unpacked_bytes=10_000))


def test_truncated_docx_is_reported_as_damaged():
    data = fx.docx_bytes(["Alex Morgan"] * 50)

    with pytest.raises(CorruptDocument, match="Word document is damaged"):
        extract_text(data[: len(data) // 2], "cv.docx")


def test_docx_without_text_is_empty():
    with pytest.raises(EmptyDocument, match="No text was found"):
        extract_text(fx.docx_bytes([""]), "blank.docx")
