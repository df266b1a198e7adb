"""The interview question by question: one card per answer, grouped by stage.

Each card holds what the interviewer asked, the candidate's answer with its filler words,
hedges and job-description terms marked (`analytics.marks`; the legend says how, so it
never rests on colour), that answer's measured figures, and what the rubric said about
it: a strength, the competencies it was evidence for, an improvement with its rewrite. A
stage the interview went through without an answer says it was skipped; stages after the
last one reached say they were not reached. Without a transcript (a stored report), the
answers are listed by their figures only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockflow.feedback.analytics.marks import mark_answer
from mockflow.feedback.report.blocks import (
    Block,
    Card,
    Heading,
    Items,
    Line,
    Marked,
    Para,
    Quote,
    Section,
)
from mockflow.interview.fsm import STAGE_TITLES, STAGES

LEGEND = Marked(
    "",
    [
        ("In your answers, ", ""),
        ("filler words", "filler"),
        (" are struck through, ", ""),
        ("hedges", "hedge"),
        (" are in italics and ", ""),
        ("job-description terms", "term"),
        (" are in bold.", ""),
    ],
)


def answers_section(report: Mapping[str, Any]) -> Section:
    analytics = report.get("analytics") or {}
    transcript = report.get("transcript")
    if not transcript:
        rows = [answer_figures(a) for a in analytics.get("answers", [])]
        items = [
            f"Answer {a['number']} ({_stage(a['stage'])}): {row}"
            for a, row in zip(analytics.get("answers", []), rows, strict=True)
        ]
        return Section("Your answers", [Items(items)] if items else [], "answers")
    terms = list((analytics.get("jd_coverage") or {}).get("used") or [])
    blocks: list[Block] = [LEGEND]
    blocks += _cards(transcript, analytics, report.get("rubric") or {}, terms, report)
    return Section("Your answers", blocks, "answers")


def answer_figures(answer: Mapping[str, Any]) -> str:
    words = answer["words"]
    parts = [f"{words} word{'s' * (words != 1)}"]
    if (seconds := _value(answer, "duration")) is not None:
        parts.append(f"{seconds:.0f} s")
    if (pace := _value(answer, "pace_wpm")) is not None:
        parts.append(f"{pace:.0f} words per minute")
    if (think := _value(answer, "think_time")) is not None:
        parts.append(
            "started before the question ended"
            if answer.get("interrupted")
            else f"{think:.1f} s to start"
        )
    fillers, hedges = answer.get("filler_count", 0), answer.get("hedge_count", 0)
    parts.append(f"{fillers} filler word{'s' * (fillers != 1)}")
    parts.append(f"{hedges} hedge{'s' * (hedges != 1)}")
    return " · ".join(parts)


def _cards(
    transcript: list[Mapping[str, Any]],
    analytics: Mapping[str, Any],
    rubric: Mapping[str, Any],
    terms: list[str],
    report: Mapping[str, Any],
) -> list[Block]:
    name = ((report.get("session") or {}).get("candidate_name") or "").strip() or "You"
    figures = {a["number"]: a for a in analytics.get("answers", [])}
    blocks: list[Block] = []
    stage: str | None = None
    asked: list[str] = []
    number = 0
    for turn in transcript:
        if turn.get("stage") != stage:
            blocks += [Line("Interviewer", text, False) for text in asked]
            asked = []
            blocks += _stage_heading(stage, turn.get("stage"), transcript, analytics)
            stage = turn.get("stage")
        if turn.get("role") != "candidate":
            asked.append(turn.get("text", ""))
            continue
        number += 1
        blocks.append(
            _card(number, asked, turn.get("text", ""), figures.get(number), rubric, terms, name)
        )
        asked = []
    blocks += [Line("Interviewer", text, False) for text in asked]
    return blocks + _not_reached(stage, report)


def _card(
    number: int,
    asked: list[str],
    answer: str,
    figures: Mapping[str, Any] | None,
    rubric: Mapping[str, Any],
    terms: list[str],
    name: str,
) -> Card:
    blocks: list[Para | Items | Quote | Line | Marked] = [
        Line("Interviewer", text, False) for text in asked
    ]
    blocks.append(Marked(name, mark_answer(answer, terms)))
    if figures is not None:
        blocks.append(Para(answer_figures(figures), note=True))
    for item in rubric.get("strengths", []):
        if item["evidence"]["answer"] == number:
            blocks.append(Para(item["point"], "✓ What worked: "))
    evidence_for = [
        c["title"]
        for c in rubric.get("competencies", [])
        if any(e["answer"] == number for e in c.get("evidence", []))
    ]
    if evidence_for:
        blocks.append(Para(", ".join(evidence_for), "Counted as evidence for: ", note=True))
    for item in rubric.get("improvements", []):
        if item["original"]["answer"] == number:
            blocks.append(Para(item["point"], "✎ To change: "))
            blocks.append(Quote(item["rewrite"], "A stronger version"))
    return Card(f"Answer {number}", blocks)


def _stage_heading(
    previous: str | None,
    current: str | None,
    transcript: list[Mapping[str, Any]],
    analytics: Mapping[str, Any],
) -> list[Block]:
    """The heading of `current`, after a "skipped" line for each stage passed over; a
    stage the candidate skipped or an early end cut short says so under its heading."""
    blocks: list[Block] = []
    if previous in STAGES and current in STAGES:
        for skipped in STAGES[STAGES.index(previous) + 1 : STAGES.index(current)]:
            blocks.append(Heading(STAGE_TITLES[skipped]))
            blocks.append(Para("Skipped: the interview moved on before this stage.", note=True))
    blocks.append(Heading(_stage(current or "")))
    answered = any(t.get("stage") == current and t.get("role") == "candidate" for t in transcript)
    if current and current == analytics.get("ended_during"):
        blocks.append(Para("The interview ended during this stage.", note=True))
    elif not answered:
        blocks.append(Para("No answers in this stage: it was skipped.", note=True))
    elif current in (analytics.get("skipped_stages") or []):
        blocks.append(Para("You skipped the rest of this stage.", note=True))
    return blocks


def _not_reached(last: str | None, report: Mapping[str, Any]) -> list[Block]:
    if last not in STAGES:
        return []
    later = STAGES[STAGES.index(last) + 1 :]
    if not later:
        return []
    titles = ", ".join(STAGE_TITLES[s] for s in later)
    return [Para(f"Not reached: the interview ended before {titles}.", note=True)]


def _value(answer: Mapping[str, Any], key: str) -> float | None:
    value = (answer.get(key) or {}).get("value")
    return None if value is None else float(value)


def _stage(stage: str) -> str:
    return STAGE_TITLES.get(stage, stage or "Interview")
