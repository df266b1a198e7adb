"""Plain-text resumes: encodings detected, text made readable, a huge file truncated with a note."""

from __future__ import annotations

import pytest

from mockflow.documents import (
    EmptyDocument,
    extract_text,
)


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


@pytest.mark.parametrize("data", [b"", b"  \n\t ", "\u200b\n".encode()])
def test_empty_text_is_reported(data):
    with pytest.raises(EmptyDocument):
        extract_text(data, "cv.txt")
