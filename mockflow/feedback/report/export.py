"""The report's downloads: Markdown, printable HTML and JSON, from its stored dict form.

One exporter for every path: the app's download links render in memory per request
(`export_text`, nothing written to disk); `python -m mockflow report --out DIR` and scripts
write the three files (`export_report`). The JSON holds analytics and rubric (never the
transcript); Markdown and HTML include the transcript, with stage markers, when it is given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mockflow.feedback.report.html import render_html
from mockflow.feedback.report.markdown import render_markdown
from mockflow.feedback.session import turns_of

EXPORT_FORMATS = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
}


def export_text(
    report: Mapping[str, Any], fmt: str, transcript_events: list[dict[str, Any]] | None = None
) -> tuple[str, str]:
    """(file name, text) of the report in `fmt` ("md", "html" or "json")."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    data = {k: v for k, v in report.items() if k != "transcript"}
    if transcript_events is not None:
        data["transcript"] = [asdict(turn) for turn in turns_of(transcript_events)]
    elif "transcript" in report:
        data["transcript"] = report["transcript"]
    if fmt == "md":
        text = render_markdown(data)
    elif fmt == "html":
        text = render_html(data)
    else:
        stored = {k: v for k, v in data.items() if k != "transcript"}
        text = json.dumps(stored, ensure_ascii=False, indent=2)
    return f"{file_stem(report)}.{fmt}", text


def export_report(
    report: Mapping[str, Any],
    directory: Path,
    transcript_events: list[dict[str, Any]] | None = None,
) -> dict[str, Path]:
    """Write the three files into `directory`; return their paths by format."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for fmt in EXPORT_FORMATS:
        name, text = export_text(report, fmt, transcript_events)
        paths[fmt] = directory / name
        paths[fmt].write_text(text, encoding="utf-8")
    return paths


def file_stem(report: Mapping[str, Any]) -> str:
    """`mockflow-<role>-<date>`: what the candidate looks for in their downloads folder."""
    session = report.get("session") or {}
    role = re.sub(r"[^a-z0-9]+", "-", str(session.get("role") or "").casefold()).strip("-")
    started = session.get("started_at")
    day = ""
    if isinstance(started, int | float) and not isinstance(started, bool):
        day = datetime.fromtimestamp(started, UTC).strftime("%Y-%m-%d")
    parts = [p for p in ("mockflow", role[:40].strip("-") or "interview", day) if p]
    if not day:
        parts.append(str(session.get("session_id") or "report")[-8:])
    return "-".join(parts)
