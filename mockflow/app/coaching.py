"""The coach's side of practice links, as the console and the API see it: who is a coach,
and the figures of the reports candidates shared (rows to compare, a CSV to export).

Who is a coach:
- local (single-user) mode: the local user;
- a Hugging Face Space: a signed-in account named in `MOCKFLOW_COACHES`;
- a public link (`--share`): whoever redeemed the one-time invite the app printed on its
  own console at start-up.
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

from mockflow.app.reports import ReportService
from mockflow.app.text_limits import clean_text
from mockflow.config import Settings
from mockflow.contracts.events import read_events
from mockflow.contracts.meta import read_meta
from mockflow.errors import MockflowError
from mockflow.store.db import Store
from mockflow.store.practice_shares import NOT_SHARED
from mockflow.store.records import NotFoundError

NOT_A_COACH = "Only this app's coach can manage practice links."


class NotACoachError(MockflowError):
    """A coach's action asked by someone who is not a coach."""


CSV_COLUMNS = (
    "candidate",
    "shared_at",
    "interview_minutes",
    "overall_score",
    "answers",
    "words",
    "fillers_per_100_words",
    "pace_wpm",
    "job_terms_used_percent",
)


def is_coach(settings: Settings, store: Store, user_id: str) -> bool:
    if not settings.public:
        return True
    return store.is_coach(user_id)


def sync_space_coach(settings: Settings, store: Store, user_id: str, username: str | None) -> None:
    """A signed-in Space account is a coach exactly while the operator lists it."""
    if settings.on_space and username:
        store.set_coach(user_id, username.strip().lower() in settings.coaches)


def _measured(analytics: dict[str, Any], name: str) -> float | None:
    figure = analytics.get(name)
    value = figure.get("value") if isinstance(figure, dict) else figure
    return round(float(value), 1) if isinstance(value, int | float) else None


def report_row(given_name: str, shared_at: float, report: dict[str, Any]) -> dict[str, Any]:
    """One shared report's figures: what the coach compares across candidates. A figure
    the report does not have (no scores yet, pace in a text interview) is None."""
    analytics = report.get("analytics") or {}
    rubric = report.get("rubric") or {}
    session = report.get("session") or {}
    duration = session.get("duration_seconds")
    coverage = (analytics.get("jd_coverage") or {}).get("share")
    scores = {
        c.get("title") or c.get("name"): c.get("score")
        for c in rubric.get("competencies") or []
        if isinstance(c.get("score"), int | float)
    }
    return {
        "candidate": given_name,
        "shared_at": time.strftime("%Y-%m-%d %H:%M", time.localtime(shared_at)),
        "interview_minutes": round(duration / 60, 1) if isinstance(duration, int | float) else None,
        "overall_score": rubric.get("overall")
        if isinstance(rubric.get("overall"), int | float)
        else None,
        "answers": len(analytics.get("answers") or []),
        "words": analytics.get("total_words"),
        "fillers_per_100_words": _measured(analytics, "filler_rate"),
        "pace_wpm": _measured(analytics, "pace_wpm"),
        "job_terms_used_percent": round(coverage * 100)
        if isinstance(coverage, int | float)
        else None,
        "scores": scores,
    }


def rows_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV: the fixed columns, then one per competency; empty = not available."""
    competencies = sorted({name for row in rows for name in row["scores"]})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*CSV_COLUMNS, *competencies])
    for row in rows:
        fixed = [_cell(row[c]) for c in CSV_COLUMNS]
        writer.writerow([*fixed, *(_cell(row["scores"].get(name)) for name in competencies)])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = clean_text(str(value), one_line=True)  # names saved before cleaning, too
    # a spreadsheet runs a cell that starts with one of these as a formula
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def usage_lines(link_usage: dict[str, Any], limits: dict[str, int | None]) -> list[str]:
    """A link's usage in words, each count against its limit where it has one."""

    def against(used: Any, limit: int | None, unit: str) -> str:
        return f"{used} of {limit}{unit}" if limit else f"{used}{unit} (no limit)"

    def figure(name: str, unit: str) -> str:
        value = link_usage.get(name)
        return f"{value:,} {unit}" if isinstance(value, int | float) else "not reported"

    interviews, minutes = link_usage.get("interviews", 0), link_usage.get("minutes", 0)
    tokens = f"{figure('llm_input_tokens', 'in')}, {figure('llm_output_tokens', 'out')}"
    if tokens == "not reported, not reported":
        tokens = "not reported"
    return [
        f"Interviews: {against(interviews, limits.get('interviews'), '')}",
        f"Minutes: {against(minutes, limits.get('total_minutes'), ' min')}",
        f"Shared reports: {link_usage.get('shared_reports', 0)}",
        f"Model tokens: {tokens}",
        f"Speech synthesised: {figure('tts_characters', 'characters')}",
        f"Speech transcribed: {figure('stt_audio_seconds', 's of audio')}",
    ]


def shared_entries(
    store: Store, reports: ReportService, coach_id: str, link_id: str
) -> list[dict[str, Any]]:
    """The reports shared on one of the coach's links, newest first; a shared interview
    gone or unreadable since it was shared is not listed."""
    entries = []
    for share in store.shared_on_link(coach_id, link_id):
        try:
            report = _shared_report(store, reports, coach_id, link_id, share)
        except MockflowError:
            continue
        entries.append(
            {
                "session_id": share["session_id"],
                "given_name": share["given_name"],
                "shared_at": share["shared_at"],
                "report": report,
            }
        )
    return entries


def _shared_report(
    store: Store, reports: ReportService, coach_id: str, link_id: str, share: dict[str, Any]
) -> dict[str, Any]:
    """The stored report, or (never scored) the measured one, computed and not stored."""
    stored = store.shared_report(coach_id, link_id, share["session_id"])
    return stored or reports.report(share["candidate_id"], share["session_id"])


def shared_report_files(
    store: Store, reports: ReportService, coach_id: str, link_id: str, session_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One shared report and its transcript's events (for the console and its files)."""
    folder = store.shared_session_dir(coach_id, link_id, session_id)
    share = next(
        (s for s in store.shared_on_link(coach_id, link_id) if s["session_id"] == session_id),
        None,
    )
    if share is None:
        raise NotFoundError(NOT_SHARED)
    return _shared_report(store, reports, coach_id, link_id, share), read_events(folder)


def share_interview(store: Store, user_id: str, session_id: str, share: bool) -> None:
    """The candidate shares their link interview with its coach (under the name they gave
    at Setup), or withdraws it."""
    if not share:
        store.withdraw_share(user_id, session_id)
        return
    record = store.get_session(user_id, session_id)
    name = str(read_meta(Path(record.session_dir)).get("candidate_name") or "")
    store.share_with_coach(user_id, session_id, name)


def require_coach(settings: Settings, store: Store, user_id: str) -> str:
    if not is_coach(settings, store, user_id):
        raise NotACoachError(NOT_A_COACH)
    return user_id


def link_csv(store: Store, reports: ReportService, coach_id: str, link_id: str) -> str:
    entries = shared_entries(store, reports, coach_id, link_id)
    return rows_csv([report_row(e["given_name"], e["shared_at"], e["report"]) for e in entries])
