"""Markdown rendering of a report (the Feedback tab shows it; also a download).

All report text, transcript included, is escaped so that candidate words can never turn
into markup, links or HTML: Markdown punctuation gets a backslash.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mockflow.feedback.report.blocks import (
    Block,
    Card,
    Heading,
    Items,
    Line,
    Marked,
    Para,
    Quote,
    Table,
)
from mockflow.feedback.report.view import report_view

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_MD_LINE_START = re.compile(r"^([#+-])|^(\d+)([.)])")


def render_markdown(report: Mapping[str, Any]) -> str:
    """The whole report as Markdown (with the transcript when the report carries it)."""
    view = report_view(report)
    out = [f"# {md(view.title)}", ""]
    if view.facts:
        out += [" · ".join(f"**{md(label)}:** {md(value)}" for label, value in view.facts), ""]
    for section in view.sections:
        out += [f"## {md(section.title)}", ""]
        for block in section.blocks:
            out += [*_block(block), ""]
    return "\n".join(out).rstrip() + "\n"


def md(text: str) -> str:
    """Escape `text` for inline Markdown and keep it on one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def md_line(text: str) -> str:
    """Like `md`, for text that starts a line (it must not start a list or a heading)."""
    return _MD_LINE_START.sub(_escape_start, md(text))


def _escape_start(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return f"{match.group(2)}\\{match.group(3)}"


def _block(block: Block) -> list[str]:
    if isinstance(block, Para):
        label = f"**{md(block.label.strip())}** " if block.label else ""
        text = f"{label}{md(block.text) if label else md_line(block.text)}"
        return [f"_{text}_" if block.note else text]
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Items):
        return [
            f"{f'{i}.' if block.ordered else '-'} {md(item)}"
            for i, item in enumerate(block.items, start=1)
        ]
    if isinstance(block, Quote):
        lines = [f"> {md_line(block.text)}"]
        return [*lines, ">", f"> — {md(block.cite)}"] if block.cite else lines
    if isinstance(block, Heading):
        return [f"### {md(block.text)}"]
    if isinstance(block, Line):
        return [f"**{md(block.speaker)}:** {md(block.text)}"]
    if isinstance(block, Marked):
        speaker = f"**{md(block.speaker)}:** " if block.speaker else ""
        return [speaker + "".join(_marked(text, kind) for text, kind in block.segments).strip()]
    if isinstance(block, Card):
        lines = [f"#### {md(block.title)}"]
        for inner in block.blocks:
            lines += ["", *_block(inner)]
        return lines
    raise TypeError(f"unknown block {block!r}")


_MARKS = {"filler": "~~", "hedge": "*", "term": "**"}


def _marked(text: str, kind: str) -> str:
    """One segment of a marked answer; spaces kept, since segments join into one line."""
    escaped = _MD_SPECIAL.sub(r"\\\1", " ".join(text.splitlines()))
    mark = _MARKS.get(kind, "")
    return f"{mark}{escaped}{mark}" if mark else escaped


def _table(table: Table) -> list[str]:
    rows = [table.headers, ["---"] * len(table.headers), *table.rows]
    return ["| " + " | ".join(c if c == "---" else md(c) for c in row) + " |" for row in rows]
