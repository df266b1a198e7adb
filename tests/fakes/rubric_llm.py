"""A scripted rubric model (`RubricLLM` in memory: answers from a queue, remembers every
request), the short voice interview the rubric and report tests score, a one-answer text
interview, and the report built from them as the renderers read it."""

from __future__ import annotations

import json
from typing import Any

from mockflow.contracts.meta import SessionMeta
from mockflow.feedback.analytics.measures import analyze_events
from mockflow.feedback.report.model import FeedbackReport, generate_report
from mockflow.feedback.session import turns_of

ANSWERS = [
    "Um, I'm a backend engineer and I've spent five years building billing systems in Python.",
    "So a teammate wanted hourly batch runs. I wrote a comparison doc with a year of failure "
    "data, and we ran both systems in parallel for two weeks.",
    "The parallel run matched every invoice, so we switched, and failed runs went to zero.",
]
EVENTS = [{"t": 1.0, "type": "ready", "transport": "room"}]
for i, answer in enumerate(ANSWERS):
    EVENTS.append({"t": 2.0 + i, "type": "turn", "role": "interviewer", "text": f"Question {i}?"})
    EVENTS.append({"t": 2.5 + i, "type": "turn", "role": "candidate", "text": answer})
TURNS = turns_of(EVENTS)
META = SessionMeta(session_id="s1", track="behavioral", role="Backend Engineer")
ANALYTICS = analyze_events(EVENTS)
Q_INTRO = "I've spent five years building billing systems in Python"
Q_DOC = "I wrote a comparison doc with a year of failure data"
Q_RESULT = "the parallel run matched every invoice"


def reply(**changes: Any) -> str:
    data: dict[str, Any] = {
        "competencies": [
            {"name": "communication", "score": 4, "rationale": "Clear.", "evidence": [Q_INTRO]},
            {"name": "structure", "score": 3, "rationale": "Thin result.", "evidence": [Q_DOC]},
            {"name": "self_presentation", "score": 5, "rationale": "Ok.", "evidence": [Q_RESULT]},
            {"name": "role_fit", "score": "insufficient_evidence", "rationale": "No JD."},
        ],
        "strengths": [{"point": "Data over opinion.", "quote": Q_DOC}],
        "improvements": [
            {
                "point": "Say the result with a number.",
                "original": ANSWERS[2],
                "rewrite": "Every invoice matched, and failed runs dropped from two to zero.",
            }
        ],
        "practice_plan": ["Tell one STAR story aloud in 2 minutes.", "Lead with the result."],
    }
    data.update(changes)
    return json.dumps(data)


def with_competency(which: str, **fields: Any) -> list[dict[str, Any]]:
    competencies = json.loads(reply())["competencies"]
    for c in competencies:
        if c["name"] == which:
            c.update(fields)
    return competencies


class ScriptedLLM:
    """In-memory `RubricLLM`: answers from a queue, remembers every request."""

    def __init__(self, *replies: str | Exception) -> None:
        self.replies = list(replies)
        self.history: list[tuple[list[dict[str, Any]], bool]] = []

    async def complete(self, messages: list[dict[str, Any]], *, json_mode: bool) -> str:
        self.history.append((messages, json_mode))
        item = self.replies.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def text_mode_events(candidate_text: str = "I build billing systems, um, in Python.") -> list:
    return [
        {"t": 100.0, "type": "ready", "transport": "text"},
        {"t": 101.0, "type": "stage", "stage": "self_intro", "reason": "start"},
        {"t": 102.0, "type": "turn", "role": "interviewer", "text": "Who are you?",
         "stage": "self_intro", "started_at": 101.0, "ended_at": 102.0},
        {"t": 140.0, "type": "turn", "role": "candidate", "text": candidate_text,
         "stage": "self_intro", "started_at": 110.0, "ended_at": 140.0},
        {"t": 150.0, "type": "ended", "reason": "completed"},
    ]  # fmt: skip


async def rubric_report() -> FeedbackReport:
    llm = ScriptedLLM(reply())
    return await generate_report(EVENTS, META, llm, model_name="test-model", clock=lambda: 5.0)


def shown(report: FeedbackReport) -> dict[str, Any]:
    """The dict the renderers read, with the transcript, as the app's downloads show it."""
    return report.to_dict(include_transcript=True)
