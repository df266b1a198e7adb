"""The report as files: Markdown, JSON and HTML, named after the role and the date."""

from __future__ import annotations

import json
from pathlib import Path

from mockflow.feedback.demo import sample_report
from mockflow.feedback.report.export import export_report
from tests.fakes.rubric_llm import shown


def test_export_writes_markdown_json_and_html_named_after_role_and_date(tmp_path: Path) -> None:
    paths = export_report(shown(sample_report()), tmp_path / "out")
    assert {p.name for p in paths.values()} == {
        f"mockflow-backend-engineer-2026-01-05.{ext}" for ext in ("md", "html", "json")
    }
    assert json.loads(paths["json"].read_text())["session"]["session_id"] == "sample"
    assert paths["md"].read_text().startswith("# Interview feedback: Behavioral interview")
