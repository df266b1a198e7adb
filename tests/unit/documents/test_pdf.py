"""PDF resumes built here, read as a user sees them: order, columns, spacing, hyphenation,
repeated headers, limits, passwords, damage and scans."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest

from mockflow.documents import (
    CorruptDocument,
    EncryptedDocument,
    ExtractionTimeout,
    ExtractLimits,
    NoTextLayer,
    TooManyPages,
    extract_document,
    extract_text,
)
from tests import docfixtures as fx


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
