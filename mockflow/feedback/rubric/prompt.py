"""The messages that ask for a rubric: prompt files plus the fenced transcript, JD and role.

Transcript, job description and role come from the candidate, so they enter the prompt only
through `prompts.data_block`. Candidate lines are numbered ("Candidate, answer 3") so
the model can find them; only those lines may be quoted.
"""

from __future__ import annotations

from typing import Any

from mockflow.contracts.meta import SessionMeta
from mockflow.feedback.analytics.measures import Measure, SessionAnalytics
from mockflow.feedback.rubric.schema import Competency
from mockflow.feedback.session import Turn
from mockflow.interview import prompts
from mockflow.interview.fsm import STAGE_TITLES

MAX_TRANSCRIPT_CHARS = 60_000
MAX_JD_CHARS = 6_000
TRACK_TITLES = {
    "intro_call": "Intro call",
    "behavioral": "Behavioral interview",
    "technical": "Technical interview",
}


def build_messages(
    turns: list[Turn],
    meta: SessionMeta,
    competencies: tuple[Competency, ...],
    analytics: SessionAnalytics,
) -> list[dict[str, Any]]:
    jd = meta.job_description.strip()
    request = prompts.render(
        "feedback_rubric_request",
        track_title=TRACK_TITLES.get(meta.track, "Interview"),
        level=meta.level or "not given",
        role=prompts.data_block("target role", meta.role or "not given"),
        competencies="\n".join(f"- {c.name}: {c.title}. {c.description}" for c in competencies),
        measured=measured_summary(analytics),
        job_description=prompts.data_block("job description", jd[:MAX_JD_CHARS])
        if jd
        else "(none given)",
        transcript=prompts.data_block("transcript", format_transcript(turns)),
    )
    return [
        {"role": "system", "content": prompts.load("feedback_rubric")},
        {"role": "user", "content": request},
    ]


def retry_message(error: str) -> dict[str, Any]:
    return {"role": "user", "content": prompts.render("feedback_rubric_retry", error=error)}


def format_transcript(turns: list[Turn]) -> str:
    lines, answer = [], 0
    for turn in turns:
        stage = STAGE_TITLES.get(turn.stage, turn.stage or "Interview")
        if turn.role == "candidate":
            answer += 1
            lines.append(f"[{stage}] Candidate, answer {answer}: {turn.text}")
        else:
            lines.append(f"[{stage}] Interviewer: {turn.text}")
    text = "\n".join(lines)
    if len(text) > MAX_TRANSCRIPT_CHARS:
        text = text[:MAX_TRANSCRIPT_CHARS] + "\n[transcript cut here for length]"
    return text


def measured_summary(analytics: SessionAnalytics) -> str:
    def show(measure: Measure, unit: str) -> str:
        return f"{measure.value:g}{unit}" if measure.value is not None else "not measured"

    return "\n".join(
        [
            f"- answers: {len(analytics.answers)}, words: {analytics.total_words}",
            f"- filler words per 100 words: {show(analytics.filler_rate, '')}",
            f"- speaking pace: {show(analytics.pace_wpm, ' words per minute')}",
            f"- median think time: {show(analytics.think_time_median, ' s')}",
        ]
    )
