"""One readable form of any document's text: line breaks, invisible characters, bullets,
hyphenation, repeated page headers and footers, and a visible note where text is cut."""

from __future__ import annotations

import pytest

from mockflow.interview.normalize import drop_repeated_lines, normalize_text, truncate


def test_every_kind_of_line_break_becomes_one_newline():
    text = "Line one\r\nLine two\u2028three\x0cfour\rfive"
    assert normalize_text(text) == "Line one\nLine two\nthree\nfour\nfive"


def test_invisible_and_direction_characters_are_removed_and_odd_spaces_made_plain():
    # a right-to-left override can make text read differently from what it holds
    assert normalize_text("pay\u200bpal \u202eevil\u202c  and\u00a0nbsp\ttab") == (
        "paypal evil and nbsp tab"
    )


def test_ligatures_wide_letters_and_icon_glyphs_read_as_plain_text():
    assert normalize_text("\ufb01nance \uff21\uff22\uff23 \uf0e0 mail") == "finance ABC mail"


def test_any_bullet_glyph_becomes_a_dash_even_alone_on_its_line():
    text = "•\nLed the migration\n▪ Built things\n– dash item\n-not a bullet"
    assert normalize_text(text) == (
        "- Led the migration\n- Built things\n- dash item\n-not a bullet"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("experi-\nence", "experience"),  # a word broken at the line end is joined
        ("state-of-the-\nart", "state-of-the-art"),  # a compound keeps its hyphen
        ("Data-\nBase", "Data-Base"),  # a capital after the break: a compound
        ("2019-\n2021", "2019-\n2021"),  # numbers are not words
        ("experi\u00ad\nence", "experience"),  # a soft hyphen at the line end
        ("experi\x02ence", "experience"),  # PDFium's marker for a hyphen it removed
    ],
)
def test_hyphenation_at_line_ends(text, expected):
    assert normalize_text(text) == expected


def test_runs_of_blank_lines_shrink_to_one_and_the_ends_are_trimmed():
    assert normalize_text("\n\n  a  \n\n\n\n\nb \n\n") == "a\n\nb"


def test_a_header_on_every_page_stays_once_and_page_numbers_go():
    pages = [
        "Jane Doe\nIntro\nPage 1 of 3",
        "Jane Doe\nMiddle\nPage 2 of 3",
        "Jane Doe\nEnd\nPage 3 of 3",
    ]
    assert drop_repeated_lines(pages) == ["Jane Doe\nIntro", "Middle", "End"]


def test_a_line_repeated_in_the_middle_of_pages_is_kept():
    # only the first and last three lines of a page are where headers and footers sit
    pages = [f"Top {n}\na{n}\nb{n}\nSkills: Python\nc{n}\nd{n}\nBottom {n}" for n in range(3)]
    assert all("Skills: Python" in page for page in drop_repeated_lines(pages))


def test_a_single_page_is_left_alone():
    assert drop_repeated_lines(["only page\nPage 1 of 1"]) == ["only page\nPage 1 of 1"]


def test_long_text_is_cut_at_a_word_with_a_note_saying_so():
    text, cut = truncate("word " * 30, 52)
    body, note = text.split("\n\n")
    assert cut and body == " ".join(["word"] * 10)
    assert note.startswith("[Truncated: this document is longer than 52 characters")


def test_short_text_is_kept_unless_an_earlier_step_cut_it():
    assert truncate("short", 52) == ("short", False)
    text, cut = truncate("short", 52, cut_already=True)
    assert cut and text.startswith("short\n\n[Truncated:")
