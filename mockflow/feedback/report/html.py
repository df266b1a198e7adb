"""A self-contained, printable HTML report: inline CSS with print styles, no scripts.

Every piece of text, transcript included, goes through `html.escape`, so nothing the
candidate said (or the model wrote) can become markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
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

_CSS = """
:root { --ink: #1d2330; --muted: #5b6473; --line: #d9dee7; --accent: #2f5bd3; }
* { box-sizing: border-box; }
body { font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); max-width: 52rem; margin: 2rem auto; padding: 0 1.25rem; }
h1 { font-size: 1.7rem; margin: 0 0 .4rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; padding-bottom: .25rem;
     border-bottom: 2px solid var(--line); }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
.facts { color: var(--muted); margin: 0 0 1rem; }
.facts span + span::before { content: " · "; }
.note { color: var(--muted); font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0; font-size: .92rem; }
th, td { border: 1px solid var(--line); padding: .35rem .55rem; text-align: left;
         vertical-align: top; }
th { background: #f3f5f9; }
blockquote { margin: .5rem 0; padding: .35rem .9rem; border-left: 3px solid var(--accent);
             background: #f7f9fd; }
blockquote p { margin: 0; }
blockquote cite { display: block; color: var(--muted); font-size: .85rem; font-style: normal; }
.turn { margin: .35rem 0; }
.turn.candidate { padding-left: 1rem; }
.speaker { font-weight: 600; }
body, td, li, p, blockquote { overflow-wrap: anywhere; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .2rem .9rem .5rem;
        margin: .8rem 0; }
.card h4 { margin: .6rem 0 .3rem; font-size: .95rem; }
s.filler { color: var(--muted); }
i.hedge { text-decoration: underline dotted; }
b.term { font-weight: 700; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  h2 { break-after: avoid; }
  table, blockquote, .turn, .card { break-inside: avoid; }
  th { background: none; }
  blockquote { background: none; }
  a { color: inherit; text-decoration: none; }
}
"""


def render_html(report: Mapping[str, Any]) -> str:
    """The whole report as one printable HTML document."""
    view = report_view(report)
    facts = "".join(
        f"<span><b>{escape(label)}:</b> {escape(value)}</span>" for label, value in view.facts
    )
    body = [f"<h1>{escape(view.title)}</h1>", f'<p class="facts">{facts}</p>']
    for section in view.sections:
        body.append(f'<section id="{escape(section.key)}"><h2>{escape(section.title)}</h2>')
        body += [_block(block) for block in section.blocks]
        body.append("</section>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(view.title)}</title><style>{_CSS}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


_MARKS = {
    "filler": ("s", "filler word"),
    "hedge": ("i", "hedge"),
    "term": ("b", "job-description term"),
}


def _marked(text: str, kind: str) -> str:
    if kind not in _MARKS:
        return escape(text)
    tag, name = _MARKS[kind]
    return f'<{tag} class="{kind}" title="{name}">{escape(text)}</{tag}>'


def _block(block: Block) -> str:
    if isinstance(block, Para):
        label = f"<b>{escape(block.label)}</b>" if block.label else ""
        cls = ' class="note"' if block.note else ""
        return f"<p{cls}>{label}{escape(block.text)}</p>"
    if isinstance(block, Table):
        head = "".join(f"<th>{escape(h)}</th>" for h in block.headers)
        rows = "".join(
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in block.rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    if isinstance(block, Items):
        tag = "ol" if block.ordered else "ul"
        return f"<{tag}>" + "".join(f"<li>{escape(i)}</li>" for i in block.items) + f"</{tag}>"
    if isinstance(block, Quote):
        cite = f"<cite>— {escape(block.cite)}</cite>" if block.cite else ""
        return f"<blockquote><p>{escape(block.text)}</p>{cite}</blockquote>"
    if isinstance(block, Heading):
        return f"<h3>{escape(block.text)}</h3>"
    if isinstance(block, Line):
        cls = "turn candidate" if block.candidate else "turn"
        speaker = f'<span class="speaker">{escape(block.speaker)}:</span>'
        return f'<p class="{cls}">{speaker} {escape(block.text)}</p>'
    if isinstance(block, Marked):
        speaker = f'<span class="speaker">{escape(block.speaker)}:</span> ' if block.speaker else ""
        text = "".join(_marked(text, kind) for text, kind in block.segments)
        return f'<p class="turn candidate">{speaker}{text}</p>'
    if isinstance(block, Card):
        inner = "".join(_block(b) for b in block.blocks)
        return f'<article class="card"><h4>{escape(block.title)}</h4>{inner}</article>'
    raise TypeError(f"unknown block {block!r}")
