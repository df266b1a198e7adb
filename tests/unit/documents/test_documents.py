"""Resume / job-description extraction: real documents built here, checked as a user sees them."""

from __future__ import annotations

import itertools
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mockflow.documents import (
    CorruptDocument,
    DocumentError,
    DocumentTooLarge,
    DocumentUnreadable,
    EmptyDocument,
    EncryptedDocument,
    ExtractionTimeout,
    ExtractLimits,
    NoTextLayer,
    TooManyPages,
    UnsafeArchive,
    UnsupportedDocumentType,
    extract_document,
    extract_text,
)
from mockflow.errors import MockflowError
from tests import docfixtures as fx

# --- PDF -----------------------------------------------------------------------------


def test_ordinary_resume_pdf_reads_in_order_with_bullets_as_lines():
    text = extract_text(fx.text_pdf([fx.resume_lines()]), "resume.pdf")

    assert text.startswith("Alex Morgan\nSenior Backend Engineer")
    assert "- Led the migration of the ledger service from a monolith to event sourcing." in (
        text.split("\n")
    )
    assert text.index("Experience") < text.index("Projects") < text.index("Education")


def test_latex_style_pdf_without_space_glyphs_comes_out_word_separated():
    lines = [
        "Jane Doe · DevOps Engineer · Software Architect",
        "Be the change that you wish to see in the world",
        "Quality first: shipped a Kubernetes operator in Go",
    ]
    text = extract_text(fx.latex_style_pdf(lines), "cv.pdf")

    assert text.split("\n") == lines


def test_tight_latex_spacing_is_still_separated():
    text = extract_text(fx.latex_style_pdf(["Quality systems at scale"], word_gap=-200))

    assert text == "Quality systems at scale"


def test_two_column_pdf_keeps_each_column_together():
    left = ["Experience at Paylane", "Led the ledger migration"]
    right = ["Skills and tools", "Python, Go, Kafka"]
    text = extract_text(fx.two_column_pdf(left, right))

    assert text.split("\n") == left + right


def test_unicode_names_survive_pdf_extraction():
    latin = fx.find_font(fx.UNICODE_FONT_CANDIDATES)
    cjk = fx.find_font(fx.CJK_FONT_CANDIDATES)
    if not (latin and cjk):
        pytest.skip(
            "needs a Unicode TTF (fonts-dejavu-core) and a CJK TTF (fonts-droid-fallback) "
            "to build the fixture"
        )
    pdf = fx.unicode_pdf(["José Núñez — 王小明", "Señora Müller, ﬁnance lead"], latin, cjk)

    assert extract_text(pdf) == "José Núñez — 王小明\nSeñora Müller, finance lead"


def test_words_hyphenated_across_lines_are_joined_and_compounds_keep_their_hyphen():
    pdf = fx.text_pdf([["We improved the perfor-", "mance of our state-of-the-", "art pipeline."]])

    assert extract_text(pdf) == "We improved the performance of our state-of-the-art pipeline."


def test_headers_and_footers_repeated_on_every_page_appear_once():
    pages = [["Experience at Paylane"], ["Projects: queuekit"], ["Education: TU Munich"]]
    pdf = fx.text_pdf(pages, header="Alex Morgan - Resume", footer="Page {page} of {pages}")
    text = extract_text(pdf)

    assert text.count("Alex Morgan - Resume") == 1
    assert "Page" not in text
    assert "Projects: queuekit" in text and "Education: TU Munich" in text


def test_300_page_pdf_is_refused_by_the_page_limit():
    with pytest.raises(TooManyPages, match=r"300 pages; the limit is 20"):
        extract_text(fx.many_pages_pdf(300), "thesis.pdf")


def test_page_limit_is_configurable_and_long_text_is_truncated_with_a_note():
    limits = ExtractLimits(max_pages=300)
    document = extract_document(fx.many_pages_pdf(300), limits=limits)

    assert document.pages == 300 and document.truncated
    body, note = document.text.rsplit("\n\n", 1)
    assert len(body) <= limits.max_chars
    assert note.startswith("[Truncated:") and "30,000" in note


def test_encrypted_pdf_asks_for_a_copy_without_password():
    pdf = fx.encrypted_pdf(fx.text_pdf([fx.resume_lines()]))

    with pytest.raises(EncryptedDocument, match="password-protected"):
        extract_text(pdf, "resume.pdf")


def test_pdf_with_only_an_owner_password_is_read():
    pdf = fx.encrypted_pdf(fx.text_pdf([["Alex Morgan"]]), user_password="")

    assert extract_text(pdf) == "Alex Morgan"


@pytest.mark.parametrize("share", [0.3, 0.6, 0.95])
def test_truncated_pdf_is_reported_as_damaged(share):
    pdf = fx.text_pdf([fx.resume_lines(), fx.resume_lines()])

    with pytest.raises(CorruptDocument, match="PDF is damaged or incomplete"):
        extract_text(pdf[: int(len(pdf) * share)], "resume.pdf")


def test_scanned_pdf_without_text_layer_says_to_paste_the_text():
    with pytest.raises(NoTextLayer, match="no selectable text .* paste the text instead"):
        extract_text(fx.image_only_pdf(pages=2), "scan.pdf")


def test_png_renamed_to_pdf_is_named_for_what_it_is():
    with pytest.raises(UnsupportedDocumentType, match=r"ends in \.pdf, but it is a PNG image"):
        extract_text(fx.png_bytes(), "resume.pdf")


def test_time_limit_stops_extraction_between_pages():
    ticks = itertools.count(step=4.0)  # every look at the clock costs four seconds

    with pytest.raises(ExtractionTimeout, match="longer than 10 seconds"):
        extract_text(fx.many_pages_pdf(5), clock=lambda: next(ticks))


def test_concurrent_pdf_extractions_all_succeed():
    pdf = fx.text_pdf([fx.resume_lines()])
    expected = extract_text(pdf)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: extract_text(pdf), range(8)))

    assert results == [expected] * 8


# --- Word ----------------------------------------------------------------------------


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


# --- plain text ----------------------------------------------------------------------


def test_latin1_text_file_is_decoded():
    data = "Résumé of José Muñoz\nNaïve café owner, Zürich".encode("latin-1")

    assert extract_text(data, "cv.txt") == "Résumé of José Muñoz\nNaïve café owner, Zürich"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "cp1252"])
def test_text_encodings_are_detected(encoding):
    text = "Zoë Ngô — “quoted” résumé"

    assert extract_text(text.encode(encoding), "cv.txt") == text


def test_text_is_normalised_for_reading():
    raw = (
        "Led the ﬁnance team\u00a0\u00a0of 12\r\n"
        "• Shipped the inter\u00adnational re-\nlease\u200b\r\n"
        "* Markdown bullet\n\n\n\n"
        "\uf0e0 alex@example.com\tBerlin"
    )

    assert extract_text(raw.encode(), "cv.md") == (
        "Led the finance team of 12\n"
        "- Shipped the international release\n"
        "- Markdown bullet\n\n"
        "alex@example.com Berlin"
    )


def test_huge_text_file_is_truncated_with_a_note():
    text = extract_text(("Shipped the re-\nlease on time. " * 150_000).encode(), "notes.txt")

    body, note = text.rsplit("\n\n", 1)
    assert body.startswith("Shipped the release on time.") and len(body) <= 30_000
    assert note.startswith("[Truncated: this document is longer than 30,000 characters")


def test_text_content_wins_over_a_pdf_name():
    assert extract_text(b"Alex Morgan, engineer", "resume.pdf") == "Alex Morgan, engineer"


def test_binary_file_named_pdf_is_damaged_and_named_txt_is_unsupported():
    junk = bytes(range(256)) * 8

    with pytest.raises(CorruptDocument):
        extract_text(junk, "resume.pdf")
    with pytest.raises(UnsupportedDocumentType, match="binary file"):
        extract_text(junk, "resume.txt")


@pytest.mark.parametrize("data", [b"", b"  \n\t ", "\u200b\n".encode()])
def test_empty_text_is_reported(data):
    with pytest.raises(EmptyDocument):
        extract_text(data, "cv.txt")


# --- limits, paths, errors -----------------------------------------------------------


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
