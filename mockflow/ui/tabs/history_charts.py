"""Progress over time for the History tab: score and delivery charts across the user's
reports, and two reports side by side. Unmeasured figures are gaps, never zeros."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import gradio as gr
import pandas as pd

from mockflow.feedback.analytics.progress import METRICS, progress_series
from mockflow.ui.common import require_user
from mockflow.ui.markdown_safety import without_images
from mockflow.ui.services import AppServices

EMPTY = pd.DataFrame({"session": [], "value": [], "label": []})
NO_DATA = (
    "Charts appear after your first interview with answers: delivery figures at once, "
    "scores once you generate them in the Feedback tab."
)


def progress_view(services: AppServices, user_id: str | None) -> Any:
    """(note, score plot, delivery plot, first choice, second choice) for the user."""
    if not user_id:
        return NO_DATA, _plot(EMPTY), _plot(EMPTY), gr.Dropdown(choices=[]), gr.Dropdown(choices=[])
    reports = services.reports.history_reports(require_user(user_id))
    series = progress_series(reports)
    rows = pd.DataFrame(series["rows"] or [], columns=["session", "value", "label", "kind"])
    scores = rows[rows["kind"] == "score"][["session", "value", "label"]]
    delivery = rows[rows["kind"] == "delivery"][["session", "value", "label"]]
    choices = [(s["label"], s["session_id"]) for s in series["sessions"]]
    note = NO_DATA if not reports else f"{len(reports)} interview(s) with a report."
    first = gr.Dropdown(choices=choices, value=choices[-2][1] if len(choices) > 1 else None)
    second = gr.Dropdown(choices=choices, value=choices[-1][1] if choices else None)
    return note, _plot(scores), _plot(delivery), first, second


def _plot(rows: pd.DataFrame) -> gr.LinePlot:
    """A chart with its rows; hidden while it has none (empty axes read as broken)."""
    return gr.LinePlot(value=rows, visible=not rows.empty)


def compare(
    services: AppServices, user_id: str | None, first: str | None, second: str | None
) -> Any:
    """Two reports side by side as a Markdown table."""
    user = require_user(user_id)
    if not first or not second:
        return "Choose two interviews to compare."
    left = services.reports.report(user, first)
    right = services.reports.report(user, second)
    lines = ["| | Earlier pick | Later pick |", "|---|---|---|"]
    for label, getter in _figures(left, right):
        lines.append(f"| {label} | {getter(left)} | {getter(right)} |")
    return without_images("\n".join(lines))


def _measure(report: dict[str, Any], key: str, unit: str = "") -> str:
    value = (report.get("analytics", {}).get(key) or {}).get("value")
    return "not measured" if value is None else f"{value:g}{unit}"


Figure = tuple[str, Callable[[dict[str, Any]], str]]


def _figures(left: dict[str, Any], right: dict[str, Any]) -> list[Figure]:
    def overall(report: dict[str, Any]) -> str:
        value = (report.get("rubric") or {}).get("overall")
        return "no scores yet" if value is None else f"{value:g} / 5"

    figures: list[Figure] = [
        ("Date and role", lambda r: f"{_date(r)} · {r.get('session', {}).get('role', '')}"),
        ("Overall score", overall),
        (METRICS["filler_rate"], lambda r: _measure(r, "filler_rate")),
        (METRICS["pace_wpm"], lambda r: _measure(r, "pace_wpm")),
        (METRICS["think_time_median"], lambda r: _measure(r, "think_time_median", " s")),
        ("Answers", lambda r: str(len(r.get("analytics", {}).get("answers", [])))),
    ]
    names: dict[str, str] = {}
    for report in (left, right):
        for c in (report.get("rubric") or {}).get("competencies", []):
            names.setdefault(c["name"], c.get("title") or c["name"])
    for name, title in names.items():
        figures.append((title, _competency_of(name)))
    return figures


def _competency_of(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda report: _competency(report, name)


def _competency(report: dict[str, Any], name: str) -> str:
    for c in (report.get("rubric") or {}).get("competencies", []):
        if c["name"] == name:
            return "insufficient evidence" if c.get("score") is None else f"{c['score']} / 5"
    return "—"


def _date(report: dict[str, Any]) -> str:
    started = report.get("session", {}).get("started_at")
    return time.strftime("%Y-%m-%d", time.localtime(started)) if started else "?"
