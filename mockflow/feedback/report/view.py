"""The report as format-neutral blocks, so Markdown and HTML say exactly the same thing.

`report_view` reads the report's dict form and returns sections of blocks holding plain,
unescaped text; each renderer escapes for its own format. Unavailable figures read
"not measured (<reason>)", never a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mockflow.feedback.report.blocks import (
    Heading,
    Items,
    Line,
    Para,
    Quote,
    ReportView,
    Section,
    Table,
)
from mockflow.feedback.report.delivery import delivery_sections
from mockflow.feedback.rubric.prompt import TRACK_TITLES
from mockflow.interview.fsm import STAGE_TITLES

HONESTY_NOTE = (
    "Every figure in this report is computed from your transcript; what cannot be measured "
    "is marked “not measured”."
)
RUBRIC_NOTE = (
    " Scores and coaching come from an AI reviewer; every quote it used was checked against "
    "your answers, and the overall score is computed from the competency scores."
)


def report_view(report: Mapping[str, Any]) -> ReportView:
    session = report.get("session", {})
    track = TRACK_TITLES.get(session.get("track") or "", "Interview")
    about = HONESTY_NOTE + (RUBRIC_NOTE if report.get("rubric") else "")
    sections = [Section("About this report", [Para(about, note=True)], "about")]
    sections += rubric_sections(report.get("rubric"), report.get("rubric_note"))
    sections += delivery_sections(report.get("analytics", {}))
    if report.get("transcript"):
        sections.append(transcript_section(report["transcript"], session))
    return ReportView(f"Interview feedback: {track}", session_facts(session), sections)


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


def rubric_sections(rubric: Mapping[str, Any] | None, note: str | None) -> list[Section]:
    if not rubric:
        return [Section("Scores", [Para(note or "No rubric was produced.", note=True)], "scores")]
    scores = Section("Scores", key="scores")
    overall = rubric.get("overall")
    scored = [c for c in rubric["competencies"] if c.get("score") is not None]
    if overall is None:
        scores.blocks.append(Para("no competency had enough verified evidence", "Overall: "))
    else:
        text = f"{overall:g} / 5 (mean of {len(scored)} scored competencies)"
        scores.blocks.append(Para(text, "Overall: "))
    rows = [[c["title"], _score(c), c.get("rationale", "")] for c in rubric["competencies"]]
    scores.blocks.append(Table(["Competency", "Score", "Why"], rows))
    for competency in rubric["competencies"]:
        if competency.get("evidence"):
            scores.blocks.append(Heading(f"Evidence: {competency['title']}"))
            scores.blocks += [_quote(e) for e in competency["evidence"]]
    return [scores, *_coaching_sections(rubric)]


def _coaching_sections(rubric: Mapping[str, Any]) -> list[Section]:
    strengths = Section("Strengths", key="strengths")
    for item in rubric.get("strengths", []):
        strengths.blocks += [Para(item["point"]), _quote(item["evidence"])]
    improvements = Section("What to improve", key="improvements")
    for number, item in enumerate(rubric.get("improvements", []), start=1):
        improvements.blocks.append(Heading(f"{number}. {item['point']}"))
        original = item["original"]
        improvements.blocks.append(
            Quote(original["quote"], f"What you said (answer {original['answer']})")
        )
        improvements.blocks.append(Quote(item["rewrite"], "A stronger version"))
    plan = Section("Practice plan", [Items(list(rubric.get("practice_plan", [])), True)], "plan")
    checks = Section(
        "How this was checked", [Para(_verification_text(rubric), note=True)], "checks"
    )
    return [s for s in (strengths, improvements, plan) if _has_content(s)] + [checks]


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


def transcript_section(transcript: list[Mapping[str, Any]], session: Mapping[str, Any]) -> Section:
    section = Section("Transcript", key="transcript")
    name = (session.get("candidate_name") or "").strip() or "You"
    stage, answer = None, 0
    for turn in transcript:
        if turn.get("stage") != stage:
            stage = turn.get("stage")
            section.blocks.append(Heading(STAGE_TITLES.get(stage or "", stage or "Interview")))
        candidate = turn.get("role") == "candidate"
        answer += candidate
        speaker = f"{name}, answer {answer}" if candidate else "Interviewer"
        section.blocks.append(Line(speaker, turn.get("text", ""), candidate))
    return section


def _quote(evidence: Mapping[str, Any]) -> Quote:
    return Quote(evidence["quote"], f"answer {evidence['answer']}")


def _score(competency: Mapping[str, Any]) -> str:
    if competency.get("score") is not None:
        return f"{competency['score']} / 5"
    return "insufficient evidence"


def _has_content(section: Section) -> bool:
    return any(not isinstance(b, Items) or b.items for b in section.blocks)


def _date(timestamp: float | None) -> str:
    if not timestamp:
        return ""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _minutes(seconds: float | None) -> str:
    if not seconds:
        return ""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"
