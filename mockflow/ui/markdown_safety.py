"""Text from candidates and models is rendered as Markdown in the chat, the report, the
transcript and the History tab; an image in it would make every viewer's browser fetch a
remote URL (a tracking pixel). Images are turned into plain links before rendering (the
Content-Security-Policy in `security` is the second line)."""

from __future__ import annotations

import re

# "![alt](url)" and "![alt][ref]": an escaped "!" leaves an ordinary link
_IMAGE = re.compile(r"!(?=\[)")
# raw HTML that can load a URL by itself
_LOADING_TAG = re.compile(
    r"<(?=\s*/?\s*(img|image|picture|source|video|audio|iframe|object|embed|svg|link|style)\b)",
    re.IGNORECASE,
)


def without_images(markdown: str) -> str:
    """`markdown` with images as plain links and URL-loading HTML tags shown as text."""
    return _LOADING_TAG.sub("&lt;", _IMAGE.sub(r"\\!", markdown))
