"""The report as format-neutral blocks, so Markdown and HTML say exactly the same thing.

`report_view` reads the report's dict form and returns sections of blocks holding plain,
unescaped text; each renderer escapes for its own format. Unavailable figures are
never shown as a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mockflow.feedback.report.answers import answers_section
from mockflow.feedback.report.blocks import (
    Block,
    Items,
    Para,
    ReportView,
    Section,
)
from mockflow.feedback.report.coaching import changes_section, strengths_section, summary_section
from mockflow.feedback.report.delivery import delivery_sections
from mockflow.feedback.report.durations import spoken_duration
from mockflow.feedback.rubric.prompt import TRACK_TITLES

HONESTY_NOTE = (
    "Every figure in this report is computed from your transcript; a figure that could not "
    "be measured is left out or marked “not measured”, never guessed."
)
RUBRIC_NOTE = (
    " Scores and coaching come from an AI reviewer; every quote it used was checked against "
    "your answers, and the overall score is computed from the competency scores."
)


def report_view(report: Mapping[str, Any]) -> ReportView:
    """Coaching first (the picture, what to change, what went well), then the scores, the
    answers one by one, the measured delivery, and how it was all checked."""
    session = report.get("session", {})
    track = TRACK_TITLES.get(session.get("track") or "", "Interview")
    rubric = report.get("rubric")
    sections = [
        summary_section(report),
        changes_section(report),
        strengths_section(report),
        *score_sections(rubric),
        answers_section(report),
        *delivery_sections(report.get("analytics", {})),
        plan_section(rubric),
        checks_section(rubric),
    ]
    shown = [s for s in sections if s is not None and s.blocks]
    return ReportView(f"Interview feedback: {track}", session_facts(session), shown)


def session_facts(session: Mapping[str, Any]) -> list[tuple[str, str]]:
    role, level = session.get("role") or "", session.get("level") or ""
    role = f"{role} ({level})" if role and level else role
    mode = {"room": "voice", "text": "text"}.get(session.get("transport") or "", "unknown")
    facts = [
        ("Candidate", session.get("candidate_name") or ""),
        ("Role", role),
        ("Track", TRACK_TITLES.get(session.get("track") or "", "")),
        ("Date", _date(session.get("started_at"))),
        ("Length", _minutes(session.get("duration_seconds"))),
        ("Mode", mode),
    ]
    return [(label, value) for label, value in facts if value]


def score_sections(rubric: Mapping[str, Any] | None) -> list[Section]:
    if not rubric:
        return []
    scores = Section("Scores", key="scores")
    overall = rubric.get("overall")
    scored = [c for c in rubric["competencies"] if c.get("score") is not None]
    if overall is None:
        scores.blocks.append(Para("no competency had enough verified evidence", "Overall: "))
    else:
        text = f"{overall:g} / 5 (mean of {len(scored)} scored competencies)"
        scores.blocks.append(Para(text, "Overall: "))
    scores.blocks.append(Items([_competency_line(c) for c in rubric["competencies"]]))
    return [scores]


def plan_section(rubric: Mapping[str, Any] | None) -> Section | None:
    plan = list((rubric or {}).get("practice_plan", []))
    return Section("Practice plan", [Items(plan, True)], "plan") if plan else None


def checks_section(rubric: Mapping[str, Any] | None) -> Section:
    about = HONESTY_NOTE + (RUBRIC_NOTE if rubric else "")
    blocks: list[Block] = [Para(about, note=True)]
    if rubric:
        blocks.append(Para(_verification_text(rubric), note=True))
    return Section("How this was checked", blocks, "checks")


def _competency_line(competency: Mapping[str, Any]) -> str:
    """A score with its reason; a score withheld for lack of verified evidence keeps no
    reason, since the reason rested on quotes that were not found in the answers."""
    title = competency["title"]
    if competency.get("score") is not None:
        return f"{title}: {competency['score']} / 5. {competency.get('rationale', '')}".strip()
    if competency.get("withheld_score") is not None:
        return f"{title}: not scored (no quote behind it was found in your answers)."
    return f"{title}: not enough evidence to score. {competency.get('rationale', '')}".strip()


def _verification_text(rubric: Mapping[str, Any]) -> str:
    dropped = rubric.get("dropped_quotes", 0)
    withheld = [c["title"] for c in rubric["competencies"] if c.get("withheld_score") is not None]
    parts = [
        f"Reviewed by {rubric.get('model') or 'an AI model'}; the overall score is the mean "
        "of the scored competencies, computed in code.",
        f"{dropped} quote(s) the model offered could not be found in your answers and were removed."
        if dropped
        else "Every quote the model offered was found in your answers.",
    ]
    if withheld:
        parts.append(f"Score withheld for lack of verifiable evidence: {', '.join(withheld)}.")
    return " ".join(parts)


def _date(timestamp: float | None) -> str:
    if not timestamp:
        return ""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _minutes(seconds: float | None) -> str:
    return spoken_duration(seconds) if seconds else ""
