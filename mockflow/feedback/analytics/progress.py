"""Progress over time: the series the History tab charts, from stored report dicts.

`progress_series` reads the dict form of reports (`FeedbackReport.to_dict()`), oldest
first. A figure a session did not measure (pace in text mode, a rubric that was not
produced) is None in the per-metric lists and left out of the long-form `rows`, so a
chart shows a gap instead of a made-up point.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

METRICS = {
    "overall": "Overall score",
    "filler_rate": "Fillers per 100 words",
    "pace_wpm": "Pace (words per minute)",
    "think_time_median": "Median think time (s)",
}


def progress_series(reports: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Per-session series of overall and competency scores, filler rate, pace, think time.

    Returns {"sessions": [{"session_id", "label", "started_at"}], "overall": [...],
    "filler_rate": [...], "pace_wpm": [...], "think_time_median": [...],
    "competencies": {name: [...]}, "competency_titles": {name: title}, "rows": [...]}.
    Each row is {"session", "started_at", "metric", "label", "kind", "value"} with kind
    "score" (overall and competencies, 1-5) or "delivery"; rows suit a long-form DataFrame
    for `gr.LinePlot(x="session", y="value", color="label")`, one plot per kind.
    """
    ordered = sorted(reports, key=_sort_key)
    titles = _competency_titles(ordered)
    series: dict[str, Any] = {"sessions": [], **{metric: [] for metric in METRICS}}
    competencies: dict[str, list[float | None]] = {name: [] for name in titles}
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, report in enumerate(ordered, start=1):
        session = report.get("session", {})
        label, started = _label(session, number), session.get("started_at")
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:  # two interviews in the same minute stay two points
            label = f"{label} ({seen[label]})"
        series["sessions"].append(
            {
                "session_id": session.get("session_id", ""),
                "label": label,
                "started_at": started,
                "role": session.get("role") or "",
                "track": session.get("track") or "",
            }
        )
        values, scores = _values(report), _scores(report)
        for metric in METRICS:
            series[metric].append(values[metric])
        for name in titles:
            competencies[name].append(scores.get(name))
        rows += _rows({"session": label, "started_at": started}, values, scores, titles)
    return {**series, "competencies": competencies, "competency_titles": titles, "rows": rows}


def _rows(
    point: dict[str, Any],
    values: dict[str, float | None],
    scores: dict[str, float | None],
    titles: dict[str, str],
) -> list[dict[str, Any]]:
    """Long-form rows of one session; unmeasured figures are left out, not zeroed."""
    points = [
        (metric, label, "score" if metric == "overall" else "delivery", values[metric])
        for metric, label in METRICS.items()
    ]
    points += [(name, title, "score", scores.get(name)) for name, title in titles.items()]
    return [
        {**point, "metric": metric, "label": label, "kind": kind, "value": value}
        for metric, label, kind, value in points
        if value is not None
    ]


def _competency_titles(reports: list[Mapping[str, Any]]) -> dict[str, str]:
    titles: dict[str, str] = {}
    for report in reports:
        for competency in (report.get("rubric") or {}).get("competencies", []):
            titles.setdefault(competency["name"], competency.get("title") or competency["name"])
    return titles


def _scores(report: Mapping[str, Any]) -> dict[str, float | None]:
    rubric = report.get("rubric") or {}
    return {c["name"]: c.get("score") for c in rubric.get("competencies", [])}


def _values(report: Mapping[str, Any]) -> dict[str, float | None]:
    analytics = report.get("analytics", {})
    rubric = report.get("rubric") or {}
    return {
        "overall": rubric.get("overall"),
        "filler_rate": (analytics.get("filler_rate") or {}).get("value"),
        "pace_wpm": (analytics.get("pace_wpm") or {}).get("value"),
        "think_time_median": (analytics.get("think_time_median") or {}).get("value"),
    }


def _sort_key(report: Mapping[str, Any]) -> float:
    started = report.get("session", {}).get("started_at")
    return float(started if started is not None else report.get("generated_at") or 0.0)


def _label(session: Mapping[str, Any], number: int) -> str:
    started = session.get("started_at")
    if not started:
        return f"Session {number}"
    return datetime.fromtimestamp(started, UTC).strftime("%Y-%m-%d %H:%M")
