"""Text clean-up shared by every format: one readable, stable form of a document.

Order matters: line breaks and hyphenation markers are resolved before NFKC, and NFKC
before whitespace is collapsed (it turns exotic spaces into plain ones).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

# PDFium marks a hyphen that ends a line with U+0002 and drops the line break after it.
_PDFIUM_HYPHEN = "\x02"
_SOFT_HYPHEN = "\u00ad"
_LINE_BREAKS = re.compile(r"\r\n?|[\v\f\x1c-\x1e\x85\u2028\u2029]")
# Zero-width and bidirectional controls are invisible yet change how text reads (or hides).
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Icon fonts (FontAwesome in LaTeX templates) put their glyphs in the private use area.
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
# A hyphen ending a line between word characters. The word before it is found by scanning
# back from the match: a pattern that starts with `[\w-]*` backtracks quadratically.
_HYPHEN_BREAK = re.compile(r"(?<=\w)-\n[ \t]*(?=\w)")
_WORD_BEFORE = re.compile(r"[\w-]{0,64}$")
_BULLET = re.compile(r"^[ \t]*(?:[•●▪■◦‣∙○◆◇►▸▹➢➤✓✔❖⁃*]|[-–—](?=\s))[ \t]*")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(
    r"^[-–(\[ ]*(page|p\.|seite|página|pagina)?\s*#\s*((of|/|de|von)\s*#)?[-–)\] ]*$"
)
_EDGE_LINES = 3


def normalize_text(text: str) -> str:
    """Readable plain text: one form for line breaks, hyphenation, Unicode and spacing."""
    text = _LINE_BREAKS.sub("\n", text)
    text = text.replace(_PDFIUM_HYPHEN, "-\n").replace(_SOFT_HYPHEN + "\n", "-\n")
    text = text.replace(_SOFT_HYPHEN, "")
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(lambda m: " " if m.group() == "\t" else "", text)
    text = _PRIVATE_USE.sub(" ", text)
    text = _join_hyphenation(text)
    text = "\n".join(_lines(text))
    return _BLANK_LINES.sub("\n\n", text).strip()


def _join_hyphenation(text: str) -> str:
    """'experi-\\nence' → 'experience'; compounds ('state-of-the-\\nart') keep the hyphen."""
    pieces, last = [], 0
    for match in _HYPHEN_BREAK.finditer(text):
        before = _WORD_BEFORE.search(text, max(0, match.start() - 64), match.start())
        left = before.group() if before else ""
        right = text[match.end()]
        if left[-1].islower() and right.islower() and "-" not in left:
            joint = ""
        elif left[-1].isalpha() and right.isalpha():
            joint = "-"
        else:
            continue
        pieces.append(text[last : match.start()] + joint)
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces)


def _lines(text: str) -> list[str]:
    """Lines with spaces collapsed; a bullet of any glyph becomes '- ', and a bullet glyph
    alone on its line is joined to the text on the next line."""
    lines: list[str] = []
    pending_bullet = False
    for raw in text.split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        item = _BULLET.sub("", line, count=1)
        is_bullet = item != line
        if is_bullet and not item:
            pending_bullet = True
            continue
        if (is_bullet or pending_bullet) and item:
            line = f"- {item}"
        pending_bullet = pending_bullet and not line
        lines.append(line)
    return lines


def drop_repeated_lines(pages: Sequence[str]) -> list[str]:
    """Pages without the headers and footers that repeat on most of them.

    A line near the top or bottom of a page that recurs (digits ignored) on at least 60%
    of the pages is dropped, except its first occurrence (a name in the header should
    survive once); page-number lines ("Page 2 of 3") are dropped everywhere.
    """
    if len(pages) < 2:
        return list(pages)
    split = [page.split("\n") for page in pages]
    counts = Counter(
        key for lines in split for key in {_key(lines[i]) for i in _edge_indices(lines)}
    )
    threshold = max(2, -(-len(pages) * 3 // 5))
    repeated = {key for key, count in counts.items() if key and count >= threshold}
    seen: set[str] = set()
    return ["\n".join(_without_repeats(lines, repeated, seen)) for lines in split]


def _without_repeats(lines: list[str], repeated: set[str], seen: set[str]) -> list[str]:
    edges = set(_edge_indices(lines))
    kept = []
    for index, line in enumerate(lines):
        key = _key(line)
        if index in edges and key in repeated:
            if key in seen or _PAGE_NUMBER.match(key):
                continue
            seen.add(key)
        kept.append(line)
    return kept


def _edge_indices(lines: list[str]) -> list[int]:
    """Indices of the first and last few non-empty lines: where headers and footers sit."""
    content = [index for index, line in enumerate(lines) if line.strip()]
    return content[:_EDGE_LINES] + content[_EDGE_LINES:][-_EDGE_LINES:]


def _key(line: str) -> str:
    return _DIGITS.sub("#", " ".join(line.split()).lower())


def truncate(text: str, max_chars: int, *, cut_already: bool = False) -> tuple[str, bool]:
    """`text` cut to at most `max_chars` at a line or word boundary, plus a visible note
    (also when `cut_already` says an earlier step dropped the rest)."""
    if len(text) <= max_chars and not cut_already:
        return text, False
    cut = text[:max_chars]
    boundary = max(cut.rfind("\n"), cut.rfind(" "))
    if boundary > max_chars * 0.9:
        cut = cut[:boundary]
    note = (
        f"[Truncated: this document is longer than {max_chars:,} characters; "
        f"the interviewer reads only the first {max_chars:,}.]"
    )
    return f"{cut.rstrip()}\n\n{note}", True
