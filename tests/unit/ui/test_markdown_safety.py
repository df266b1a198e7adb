"""Candidate and model text shown as Markdown fetches nothing: images become text
or links; ordinary Markdown is kept."""

from __future__ import annotations

import pytest

from mockflow.ui.markdown_safety import without_images


@pytest.mark.parametrize(
    "text",
    [
        "![x](http://127.0.0.1:9/pixel.png)",
        "see ! [x](http://h/p.png)",
        "![x][ref]\n\n[ref]: http://h/p.png",
        '<img src="http://h/p.png">',
        '< IMG src="http://h/p.png">',
        "<svg><image href='http://h/p.png'/></svg>",
    ],
)
def test_images_become_text_or_links(text):
    import markdown_it

    rendered = markdown_it.MarkdownIt("commonmark").enable("table").render(without_images(text))
    assert "<img" not in rendered.lower() and "<image" not in rendered.lower()


def test_ordinary_markdown_is_kept():
    text = "I cut p99 < 250 ms! [docs](https://example.com) and a -> b"
    assert without_images(text) == text
