"""The rubric's competencies per track and the pydantic schema of the LLM's JSON reply.

Pydantic is used only here, for external JSON. A reply is valid when it parses as one
JSON object (a ```json fence around it is tolerated), matches `RubricReply`, and names
every competency of the track exactly once and no other. Scores are strict integers 1-5
or the string "insufficient_evidence"; "4", 4.5 or true are rejected, never coerced.
Lists longer than the report shows are cut in code, not rejected.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from mockflow.errors import MockflowError

INSUFFICIENT = "insufficient_evidence"
MAX_EVIDENCE = 3
MAX_STRENGTHS = 3
MAX_IMPROVEMENTS = 3
MAX_PLAN = 4


@dataclass(frozen=True)
class Competency:
    name: str
    title: str
    description: str


_CATALOGUE = {
    "communication": Competency(
        "communication",
        "Communication",
        "Clear, concise answers that respond to the question that was asked.",
    ),
    "structure": Competency(
        "structure",
        "Structure",
        "Answers with a clear point, supporting detail and an ending; easy to follow.",
    ),
    "technical_depth": Competency(
        "technical_depth",
        "Technical depth",
        "Specific, accurate technical reasoning; trade-offs explained; holds up when probed.",
    ),
    "role_fit": Competency(
        "role_fit",
        "Role fit",
        "Experience and motivation that match the role and the job description, if given.",
    ),
    "self_presentation": Competency(
        "self_presentation",
        "Self-presentation",
        "A confident, specific account of who the candidate is and what they did themselves.",
    ),
}
_STAR = Competency(
    "structure",
    "Structure (STAR)",
    "Stories with a clear Situation, the candidate's own Task and Actions, and a concrete "
    "Result, ideally measured.",
)
TRACK_COMPETENCIES: dict[str, tuple[Competency, ...]] = {
    "intro_call": tuple(
        _CATALOGUE[n] for n in ("communication", "self_presentation", "structure", "role_fit")
    ),
    "behavioral": (
        _CATALOGUE["communication"],
        _STAR,
        _CATALOGUE["self_presentation"],
        _CATALOGUE["role_fit"],
    ),
    "technical": tuple(
        _CATALOGUE[n] for n in ("communication", "structure", "technical_depth", "role_fit")
    ),
}
DEFAULT_TRACK = "intro_call"


class RubricFormatError(MockflowError):
    """The LLM's rubric reply is not valid JSON of the expected shape."""


Score = Annotated[StrictInt, Field(ge=1, le=5)] | Literal["insufficient_evidence"]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class _Reply(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class CompetencyJudgement(_Reply):
    name: str
    score: Score
    rationale: Text
    evidence: list[str] = Field(default_factory=list)


class StrengthItem(_Reply):
    point: Text
    quote: Text


class ImprovementItem(_Reply):
    point: Text
    original: Text
    rewrite: Text


class RubricReply(_Reply):
    competencies: list[CompetencyJudgement]
    strengths: list[StrengthItem] = Field(default_factory=list)
    improvements: list[ImprovementItem] = Field(default_factory=list)
    practice_plan: list[Text] = Field(default_factory=list)


def competencies_for(track: str) -> tuple[Competency, ...]:
    return TRACK_COMPETENCIES.get(track) or TRACK_COMPETENCIES[DEFAULT_TRACK]


def parse_reply(text: str, expected: tuple[Competency, ...]) -> RubricReply:
    """Validate the LLM's reply; raise `RubricFormatError` saying what is wrong."""
    body = _unfence(text)
    try:
        reply = RubricReply.model_validate(json.loads(body))
    except ValueError as exc:  # json.JSONDecodeError and pydantic.ValidationError
        raise RubricFormatError(_describe(exc)) from None
    names = [c.name for c in reply.competencies]
    wanted = [c.name for c in expected]
    problems = []
    if missing := [n for n in wanted if n not in names]:
        problems.append(f"missing competencies: {', '.join(missing)}")
    if unknown := sorted(set(names) - set(wanted)):
        problems.append(f"unknown competencies: {', '.join(unknown)}")
    if duplicated := sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"competencies listed twice: {', '.join(duplicated)}")
    if problems:
        raise RubricFormatError("; ".join(problems))
    return reply


def _unfence(text: str) -> str:
    match = re.fullmatch(r"\s*```(?:json)?\s*(.*?)\s*```\s*", text, flags=re.DOTALL)
    return match.group(1) if match else text.strip()


def _describe(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        parts = [
            f"{'.'.join(str(p) for p in err['loc']) or 'reply'}: {err['msg']}"
            for err in exc.errors()[:6]
        ]
        return "the JSON does not match the schema (" + "; ".join(parts) + ")"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    return f"not valid JSON ({exc})"
