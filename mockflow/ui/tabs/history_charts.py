"""Progress over time for the History tab: score and delivery charts across the user's
reports, and two reports side by side. Unmeasured figures are gaps, never zeros."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import gradio as gr
import pandas as pd

from mockflow.feedback.analytics.progress import METRICS, progress_series
from mockflow.feedback.rubric.prompt import TRACK_TITLES
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
    if not user_id:  # not known yet: the page's load draws the charts once it is
        return (gr.skip(),) * 7
    reports = services.reports.history_reports(require_user(user_id))
    series = progress_series(reports)
    rows = pd.DataFrame(series["rows"] or [], columns=["session", "value", "label", "kind"])
    scores = rows[rows["kind"] == "score"][["session", "value", "label"]]
    delivery = rows[rows["kind"] == "delivery"][["session", "value", "label"]]
    choices = [(_choice(s), s["session_id"]) for s in series["sessions"]]
    note = NO_DATA if not reports else f"{len(reports)} interview(s) with a report."
    if len(reports) == 1:
        note += " One interview so far: each figure is a point; lines join them from the next."
    first = gr.Dropdown(choices=choices, value=choices[-2][1] if len(choices) > 1 else None)
    second = gr.Dropdown(choices=choices, value=choices[-1][1] if choices else None)
    lines = len(reports) > 1  # a line needs two points: one interview is drawn as points
    return (
        note,
        _plot(gr.LinePlot, scores, lines),
        _plot(gr.LinePlot, delivery, lines, from_zero=True),
        _plot(gr.ScatterPlot, scores, not lines),
        _plot(gr.ScatterPlot, delivery, not lines, from_zero=True),
        first,
        second,
    )


def _plot(
    kind: type[gr.LinePlot] | type[gr.ScatterPlot],
    rows: pd.DataFrame,
    shown: bool,
    from_zero: bool = False,
) -> Any:
    """A chart with its rows; hidden while it has none (empty axes read as broken). A
    `from_zero` axis runs from 0 to a round number above the highest value: left to
    itself, the chart collapsed one flat figure to a single tick labelled "3.000000"."""
    if rows.empty or not from_zero:
        return kind(value=rows, visible=shown and not rows.empty)
    top = float(rows["value"].max())
    return kind(value=rows, visible=shown, y_lim=[0, max(1, math.ceil(top * 1.2))])


def _choice(session: dict[str, Any]) -> str:
    """How the comparison pickers name an interview: date, role and track."""
    track = TRACK_TITLES.get(session.get("track") or "", "")
    return " · ".join(p for p in (session["label"], session.get("role") or "", track) if p)


def compare(
    services: AppServices, user_id: str | None, first: str | None, second: str | None
) -> Any:
    """Two reports side by side as a Markdown table."""
    user = require_user(user_id)
    if not first or not second:
        return "Choose two interviews to compare."
    left = services.reports.report(user, first)
    right = services.reports.report(user, second)
    lines = []
    for label, getter in _figures(left, right):
        before, after = getter(left), getter(right)
        lines.append(f"- **{label}**: {before} → {after}{_change(label, before, after)}")
    return without_images("\n".join(lines))


def _change(label: str, before: str, after: str) -> str:
    """The change between two shown figures, with ↑ or ↓, or nothing if either is missing."""
    old, new = _number(before), _number(after)
    if old is None or new is None:
        return ""
    if old == new:
        return " (no change)"
    arrow = "↑" if new > old else "↓"
    better = _better(label, new > old, scored="/ 5" in after)
    return f" ({arrow} {abs(new - old):g}{better})"


def _better(label: str, rose: bool, *, scored: bool) -> str:
    """Whether the change is for the better (scores up, fillers down); pace and think time
    have no better direction."""
    if label in LOWER_IS_BETTER:
        return ", better" if not rose else ", worse"
    if label in HIGHER_IS_BETTER or scored:
        return ", better" if rose else ", worse"
    return ""


def _number(shown: str) -> float | None:
    try:
        return float(shown.split()[0])
    except (ValueError, IndexError):
        return None


def _measure(report: dict[str, Any], key: str, unit: str = "") -> str:
    value = (report.get("analytics", {}).get(key) or {}).get("value")
    return "not measured" if value is None else f"{value:g}{unit}"


Figure = tuple[str, Callable[[dict[str, Any]], str]]
LOWER_IS_BETTER = {METRICS["filler_rate"]}
HIGHER_IS_BETTER = {"Overall score"}


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
