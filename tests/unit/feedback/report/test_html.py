"""The printable HTML report: self-contained, no scripts, nothing to scroll sideways, and
every word of the transcript escaped (in the Markdown too)."""

from __future__ import annotations

from mockflow.contracts.meta import SessionMeta
from mockflow.feedback.demo import sample_report
from mockflow.feedback.report.html import render_html
from mockflow.feedback.report.markdown import render_markdown
from mockflow.feedback.report.model import build_report
from tests.fakes.rubric_llm import shown, text_mode_events

HOSTILE = "<script>alert('x')</script> [click](http://evil.example) **bold** | pipe"


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
