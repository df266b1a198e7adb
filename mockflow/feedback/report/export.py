"""Writes a report's three downloadable files: Markdown, JSON and printable HTML."""

from __future__ import annotations

from pathlib import Path

from mockflow.feedback.report.html import render_html
from mockflow.feedback.report.markdown import render_markdown
from mockflow.feedback.report.model import FeedbackReport


def export_report(report: FeedbackReport, directory: Path) -> dict[str, Path]:
    """Write `mockflow-report-<id>.{md,json,html}` into `directory`; return them by kind.

    The JSON holds analytics and rubric (no transcript); Markdown and HTML include the
    transcript with stage markers.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"mockflow-report-{report.meta.session_id or 'session'}"
    contents = {
        "markdown": (f"{stem}.md", render_markdown(report)),
        "json": (f"{stem}.json", report.to_json()),
        "html": (f"{stem}.html", render_html(report)),
    }
    paths = {}
    for kind, (name, text) in contents.items():
        paths[kind] = directory / name
        paths[kind].write_text(text, encoding="utf-8")
    return paths
