"""Progress over time for the History tab: one small chart per measure, each with its own
unit and axis, and two reports side by side. Unmeasured figures are gaps, never zeros; a
measure with no figure yet says so in words instead of drawing empty axes."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr
import pandas as pd

from mockflow.feedback.analytics.progress import METRICS, progress_series
from mockflow.feedback.rubric.prompt import TRACK_TITLES
from mockflow.ui.common import require_user
from mockflow.ui.markdown_safety import without_images
from mockflow.ui.services import AppServices

NO_DATA = (
    "Charts appear after your first interview with answers: delivery figures at once, "
    "scores once you generate them in the Feedback tab."
)


@dataclass(frozen=True)
class Measure:
    """One chart: a figure of `progress_series`, its unit, and what to say without data."""

    key: str
    title: str
    unit: str  # the y axis' title
    missing: str
    y_lim: tuple[float, float] | None = None  # None: from 0 to a round number above the top


MEASURES = (
    Measure(
        "overall",
        "Overall score",
        "Score (1–5)",
        "No scores yet: generate them in the Feedback tab.",
        (1, 5),
    ),
    Measure("filler_rate", "Fillers", "Fillers per 100 words", "No answers measured yet."),
    Measure("pace_wpm", "Pace", "Words per minute", "Not measured yet: voice interviews only."),
    Measure(
        "think_time_median",
        "Think time",
        "Seconds before answering (median)",
        "Not measured yet: voice interviews only.",
    ),
)


@dataclass
class MeasureChart:
    """A measure's line (two or more interviews), its points (one) and its words (none):
    a line through one point draws nothing, so one interview is drawn as a point."""

    line: gr.LinePlot
    points: gr.ScatterPlot
    missing: gr.Markdown


def build_charts() -> list[MeasureChart]:
    """The four charts, two to a row (one under another on a phone)."""
    charts = []
    for pair in (MEASURES[:2], MEASURES[2:]):
        with gr.Row(equal_height=False):
            for measure in pair:
                with gr.Column(min_width=280, elem_classes="mf-chart"):
                    charts.append(_chart(measure))
    return charts


def _chart(measure: Measure) -> MeasureChart:
    axes: dict[str, Any] = {
        "x": "session",
        "y": "value",
        "title": measure.title,
        "x_title": "Interview (UTC)",
        "y_title": measure.unit,
        "height": 220,
        "visible": False,  # until it has rows: empty axes read as broken
    }
    return MeasureChart(
        gr.LinePlot(**axes, elem_id=f"mf-chart-{measure.key}"),
        gr.ScatterPlot(**axes, elem_id=f"mf-points-{measure.key}"),
        gr.Markdown(visible=False, elem_id=f"mf-missing-{measure.key}"),
    )


def chart_outputs(charts: list[MeasureChart]) -> list[Any]:
    """The components `progress_view` fills after its note, before the two pickers."""
    return [c for chart in charts for c in (chart.line, chart.points, chart.missing)]


def progress_view(services: AppServices, user_id: str | None) -> Any:
    """(note, each measure's line, points and words, first choice, second choice)."""
    if not user_id:  # not known yet: the page's load draws the charts once it is
        return (gr.skip(),) * (3 + 3 * len(MEASURES))
    reports = services.reports.history_reports(require_user(user_id))
    series = progress_series(reports)
    labels = [s["label"] for s in series["sessions"]]
    choices = [(_choice(s), s["session_id"]) for s in series["sessions"]]
    note = NO_DATA if not reports else f"{len(reports)} interview(s) with a report."
    first = gr.Dropdown(choices=choices, value=choices[-2][1] if len(choices) > 1 else None)
    second = gr.Dropdown(choices=choices, value=choices[-1][1] if choices else None)
    charts = [_measure_view(m, labels, series[m.key], bool(reports)) for m in MEASURES]
    return (note, *(part for chart in charts for part in chart), first, second)


def _measure_view(
    measure: Measure, labels: list[str], values: list[float | None], any_report: bool
) -> tuple[Any, Any, Any]:
    """(line, points, words) of one measure: a line from two figures, a point for one,
    words for none (nothing at all before the first report: the note says why)."""
    rows = pd.DataFrame(
        [(label, value) for label, value in zip(labels, values, strict=True) if value is not None],
        columns=["session", "value"],
    )
    if rows.empty:
        words = f"**{measure.title}**: {measure.missing}"
        return (
            gr.LinePlot(visible=False),
            gr.ScatterPlot(visible=False),
            gr.Markdown(words, visible=any_report),
        )
    top = max(1, math.ceil(float(rows["value"].max()) * 1.2))
    y_lim: list[float | None] = list(measure.y_lim or (0, top))
    single = len(rows) == 1
    return (
        gr.LinePlot(value=rows if not single else None, visible=not single, y_lim=y_lim),
        gr.ScatterPlot(value=rows if single else None, visible=single, y_lim=y_lim),
        gr.Markdown(visible=False),
    )


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
