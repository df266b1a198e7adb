"""The optional LLM judge: the interviewer's conduct scored on a written rubric, with proof.

The rubric is a prompt file (`prompts/rehearsal_judge.md`) naming `CRITERIA`. The reply
must be one JSON object of that shape (validated with pydantic; scores strict integers
1-5); an invalid reply is retried once with the error, then the judgement fails and says
why. Every evidence quote is checked with the feedback report's quote checker
(`feedback.quotes.find_quote`) against the INTERVIEWER's turns; unverifiable quotes are
dropped and counted. A score below 5 is a finding and must rest on a surviving quote:
without one it is withheld (`score` null, `withheld_score` kept for transparency). A 5
needs no quote. `overall` is the mean of the scores that stand, computed here.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from mockflow.errors import MockflowError, ProviderError
from mockflow.feedback.rubric.quotes import AnswerIndex, find_quote
from mockflow.interview import prompts
from mockflow.rehearse.chat import ChatModel

log = logging.getLogger("mockflow.rehearse")
CRITERIA = (
    "one_question",
    "follow_up",
    "neutral",
    "invisible_structure",
    "adapts",
    "stays_in_role",
    "uses_material",
    "closing",
)
MAX_ATTEMPTS = 2
MAX_EVIDENCE = 3
MAX_TRANSCRIPT_CHARS = 60_000


class JudgeFormatError(MockflowError):
    """The judge's reply is not valid JSON of the expected shape."""


class _Reply(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class CriterionReply(_Reply):
    name: str
    score: Annotated[StrictInt, Field(ge=1, le=5)]
    rationale: Annotated[str, Field(min_length=1, max_length=2000)]
    evidence: list[str] = Field(default_factory=list)


class JudgeReply(_Reply):
    criteria: list[CriterionReply]
    summary: str = ""


@dataclass(frozen=True)
class Quote:
    quote: str  # the interviewer's own words, from the transcript
    turn: int  # 1-based interviewer turn


@dataclass(frozen=True)
class Criterion:
    name: str
    score: int | None
    rationale: str
    evidence: list[Quote]
    withheld_score: int | None = None


@dataclass(frozen=True)
class Judgement:
    model: str
    criteria: list[Criterion] = field(default_factory=list)
    overall: float | None = None
    summary: str = ""
    dropped_quotes: int = 0
    attempts: int = 0
    failure: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def judge_interview(
    chat: ChatModel, model: str, events: Sequence[Mapping[str, Any]], track: str, persona: str
) -> Judgement:
    """Ask for, validate and verify the judgement of one interview."""
    turns = [e for e in events if e.get("type") == "turn"]
    said = [str(t.get("text", "")) for t in turns if t.get("role") == "interviewer"]
    if not said:
        return Judgement(model, failure="the interviewer said nothing to judge")
    messages = build_messages(turns, track, persona)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            text = chat.complete(messages, json_mode=True)
        except ProviderError as exc:
            return Judgement(model, attempts=attempt, failure=f"the judge failed: {exc}")
        try:
            reply = parse_reply(text)
        except JudgeFormatError as exc:
            log.info("judge reply invalid (attempt %d): %s", attempt, exc)
            messages = [*messages, {"role": "assistant", "content": text[:4000]}]
            messages.append(
                {"role": "user", "content": prompts.render("rehearsal_judge_retry", error=str(exc))}
            )
            continue
        return verify(reply, AnswerIndex.build(said), model, attempt)
    return Judgement(model, attempts=MAX_ATTEMPTS, failure="the judge's reply was invalid twice")


def build_messages(
    turns: Sequence[Mapping[str, Any]], track: str, persona: str
) -> list[dict[str, str]]:
    lines, number = [], 0
    for turn in turns:
        if turn.get("role") == "interviewer":
            number += 1
            lines.append(f"[{turn.get('stage')}] Interviewer, turn {number}: {turn.get('text')}")
        else:
            lines.append(f"[{turn.get('stage')}] Candidate: {turn.get('text')}")
    transcript = "\n".join(lines)[:MAX_TRANSCRIPT_CHARS]
    request = prompts.render(
        "rehearsal_judge_request",
        track=track,
        persona=persona,
        transcript=prompts.data_block("transcript", transcript),
    )
    return [
        {"role": "system", "content": prompts.load("rehearsal_judge")},
        {"role": "user", "content": request},
    ]


def parse_reply(text: str) -> JudgeReply:
    """Validate the judge's reply; raise `JudgeFormatError` saying what is wrong."""
    match = re.fullmatch(r"\s*```(?:json)?\s*(.*?)\s*```\s*", text, flags=re.DOTALL)
    body = match.group(1) if match else text.strip()
    try:
        reply = JudgeReply.model_validate(json.loads(body))
    except ValueError as exc:  # json.JSONDecodeError and pydantic.ValidationError
        raise JudgeFormatError(_describe(exc)) from None
    names = [c.name for c in reply.criteria]
    if sorted(names) != sorted(CRITERIA):
        raise JudgeFormatError(f"the criteria must be exactly: {', '.join(CRITERIA)}")
    return reply


def verify(reply: JudgeReply, index: AnswerIndex, model: str, attempts: int) -> Judgement:
    """Keep only what the transcript supports (see the module docstring)."""
    by_name = {c.name: c for c in reply.criteria}
    criteria, dropped = [], 0
    for name in CRITERIA:
        item = by_name[name]
        found = [find_quote(q, index) for q in item.evidence]
        dropped += sum(m is None for m in found)
        quotes = list(
            dict.fromkeys(Quote(m.excerpt, m.answer + 1) for m in found if m is not None)
        )[:MAX_EVIDENCE]
        stands = item.score == 5 or bool(quotes)
        criteria.append(
            Criterion(
                name=name,
                score=item.score if stands else None,
                rationale=item.rationale,
                evidence=quotes,
                withheld_score=None if stands else item.score,
            )
        )
    scores = [c.score for c in criteria if c.score is not None]
    overall = round(sum(scores) / len(scores), 2) if scores else None
    return Judgement(model, criteria, overall, reply.summary, dropped, attempts)


def _describe(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        parts = [
            f"{'.'.join(str(p) for p in err['loc']) or 'reply'}: {err['msg']}"
            for err in exc.errors()[:4]
        ]
        return "the JSON does not match the shape (" + "; ".join(parts) + ")"
    return f"not valid JSON ({str(exc).splitlines()[0][:200]})"
