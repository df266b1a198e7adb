"""The printable HTML report: self-contained, no scripts, nothing to scroll sideways, and
every word of the transcript escaped (in the Markdown too)."""

from __future__ import annotations

from typing import Any

from mockflow.contracts.meta import SessionMeta
from mockflow.feedback.demo import sample_report
from mockflow.feedback.report.html import render_html
from mockflow.feedback.report.markdown import render_markdown
from mockflow.feedback.report.model import FeedbackReport, build_report

HOSTILE = "<script>alert('x')</script> [click](http://evil.example) **bold** | pipe"


def text_mode_events(candidate_text: str = "I build billing systems, um, in Python.") -> list:
    return [
        {"t": 100.0, "type": "ready", "transport": "text"},
        {"t": 101.0, "type": "stage", "stage": "self_intro", "reason": "start"},
        {"t": 102.0, "type": "turn", "role": "interviewer", "text": "Who are you?",
         "stage": "self_intro", "started_at": 101.0, "ended_at": 102.0},
        {"t": 140.0, "type": "turn", "role": "candidate", "text": candidate_text,
         "stage": "self_intro", "started_at": 110.0, "ended_at": 140.0},
        {"t": 150.0, "type": "ended", "reason": "completed"},
    ]  # fmt: skip


def shown(report: FeedbackReport) -> dict[str, Any]:
    """The dict the renderers read, with the transcript, as the app's downloads show it."""
    return report.to_dict(include_transcript=True)


def test_transcript_text_is_escaped_in_html_and_markdown() -> None:
    report = build_report(text_mode_events(HOSTILE), SessionMeta(candidate_name="<b>Eve</b>"))
    html = render_html(shown(report))
    assert "<script" not in html and "<b>Eve" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html
    markdown = render_markdown(shown(report))
    assert "\\<script\\>" in markdown and "\\[click\\](http://evil.example)" in markdown
    assert "\\*\\*bold\\*\\*" in markdown and "\\| pipe" in markdown


def test_html_is_self_contained_printable_and_has_no_tables_to_scroll() -> None:
    html = render_html(shown(sample_report()))
    assert html.startswith("<!DOCTYPE html>") and "@media print" in html
    assert "<script" not in html and "<link" not in html and "src=" not in html
    assert html.count("<section") == html.count("</section>")
    assert "<table" not in html and "overflow-wrap: anywhere" in html
