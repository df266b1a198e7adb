"""The LLM rubric: asked once, validated, retried once, every quote verified, scores checked.

Flow: ask the `RubricLLM` for JSON (`rubric_schema`); if it is invalid, ask once more with
the validation error; if that fails too (or the provider fails, or no quote it gave is in
the answers), there is no rubric and the report says why in one line, with a retry
offered only when one can help (`rubric.failure`). Nothing is ever defaulted or made up.

Verification (`quotes.find_quote`): each evidence quote, strength quote and improvement
"original" must be found in the candidate's answers; the report shows the candidate's
own words. Unverifiable quotes are dropped and counted; a strength or improvement whose
quote is dropped is dropped with it. A competency whose score has no surviving evidence
becomes `insufficient_evidence` (the proposed score is kept only as `withheld_score`, for
transparency, and never counts; its rationale goes with its quotes). The overall score is
computed here: the mean of the scored competencies, rounded to one decimal, or None when
none is scored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mockflow.contracts.meta import SessionMeta
from mockflow.errors import ProviderError
from mockflow.feedback.analytics.measures import SessionAnalytics
from mockflow.feedback.rubric.failure import (
    RubricFailure,
    malformed_failure,
    provider_failure,
    unverified_failure,
)
from mockflow.feedback.rubric.prompt import build_messages, retry_message
from mockflow.feedback.rubric.quotes import AnswerIndex, find_quote
from mockflow.feedback.rubric.schema import (
    INSUFFICIENT,
    MAX_EVIDENCE,
    MAX_IMPROVEMENTS,
    MAX_PLAN,
    MAX_STRENGTHS,
    Competency,
    CompetencyJudgement,
    RubricFormatError,
    RubricReply,
    competencies_for,
    parse_reply,
)
from mockflow.feedback.session import Turn

if TYPE_CHECKING:
    from mockflow.feedback.rubric.llm import RubricLLM

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 2


@dataclass(frozen=True)
class Evidence:
    quote: str  # the candidate's own words
    answer: int  # 1-based answer number


@dataclass(frozen=True)
class CompetencyResult:
    name: str
    title: str
    score: int | None  # None: insufficient evidence
    rationale: str
    evidence: list[Evidence]
    withheld_score: int | None = None  # proposed by the model without verifiable evidence

    @property
    def status(self) -> str:
        return "scored" if self.score is not None else INSUFFICIENT


@dataclass(frozen=True)
class Strength:
    point: str
    evidence: Evidence


@dataclass(frozen=True)
class Improvement:
    point: str
    original: Evidence
    rewrite: str


@dataclass(frozen=True)
class Rubric:
    track: str
    model: str
    competencies: list[CompetencyResult]
    overall: float | None
    strengths: list[Strength]
    improvements: list[Improvement]
    practice_plan: list[str]
    dropped_quotes: int
    attempts: int


@dataclass(frozen=True)
class RubricOutcome:
    rubric: Rubric | None
    failure: str | None = None  # why there is no rubric, written for the candidate
    failed: bool = False  # the model call or its reply failed
    retry: bool = False  # pressing Generate again may help (else `failure` says what to change)
    malformed_tries: int = 0  # replies in a row that were not a usable rubric

    @classmethod
    def of_failure(cls, failure: RubricFailure) -> RubricOutcome:
        return cls(None, failure.text, True, failure.retry, failure.malformed_tries)


def overall_score(competencies: list[CompetencyResult]) -> float | None:
    scores = [c.score for c in competencies if c.score is not None]
    return round(sum(scores) / len(scores), 1) if scores else None


async def generate_rubric(
    llm: RubricLLM,
    turns: list[Turn],
    meta: SessionMeta,
    analytics: SessionAnalytics,
    *,
    model_name: str = "",
    malformed_before: int = 0,
) -> RubricOutcome:
    """Ask for, validate and verify the rubric of one session. `malformed_before`: replies
    in a row that were not a usable rubric in earlier runs (a retry stops being offered)."""
    answers = [t for t in turns if t.role == "candidate"]
    if not answers:
        return RubricOutcome(None, "The rubric was not produced: there are no answers to assess.")
    expected = competencies_for(meta.track)
    messages = build_messages(turns, meta, expected, analytics)
    tries = malformed_before
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            text = await llm.complete(messages, json_mode=True)
        except ProviderError as exc:
            return RubricOutcome.of_failure(provider_failure(exc))
        try:
            reply = parse_reply(text, expected)
        except RubricFormatError as exc:
            log.info("rubric reply invalid (attempt %d): %s", attempt, exc)
            tries += 1
            failure = malformed_failure(text, str(exc), tries)
            messages = [*messages, {"role": "assistant", "content": text[:4000]}]
            messages.append(retry_message(str(exc)))
            continue
        index = AnswerIndex.build([t.text for t in answers])
        rubric = verify_reply(reply, expected, index, meta.track, model_name, attempt)
        if _nothing_verified(rubric):
            quotes = quote_count(reply)
            return RubricOutcome.of_failure(
                unverified_failure(rubric.dropped_quotes, quotes, tries + 1)
            )
        return RubricOutcome(rubric)
    return RubricOutcome.of_failure(failure)


def quote_count(reply: RubricReply) -> int:
    """The quotes a reply offers: evidence, strengths and improvements' originals."""
    evidence = sum(len(c.evidence) for c in reply.competencies)
    return evidence + len(reply.strengths) + len(reply.improvements)


def _nothing_verified(rubric: Rubric) -> bool:
    """Quotes were given and none was found: no score, strength or change survives."""
    scored = any(c.score is not None for c in rubric.competencies)
    return bool(rubric.dropped_quotes) and not (scored or rubric.strengths or rubric.improvements)


def verify_reply(
    reply: RubricReply,
    expected: tuple[Competency, ...],
    index: AnswerIndex,
    track: str,
    model_name: str,
    attempts: int,
) -> Rubric:
    """Turn a valid reply into a `Rubric`, keeping only what the transcript supports."""
    by_name = {c.name: c for c in reply.competencies}
    dropped = 0
    results = []
    for competency in expected:
        result, lost = _verify_competency(competency, by_name[competency.name], index)
        results.append(result)
        dropped += lost
    strengths = []
    for item in reply.strengths:
        evidence = _verify(item.quote, index)
        if evidence:
            strengths.append(Strength(item.point, evidence))
        dropped += evidence is None
    improvements = []
    for change in reply.improvements:
        original = _verify(change.original, index)
        if original:
            improvements.append(Improvement(change.point, original, change.rewrite))
        dropped += original is None
    return Rubric(
        track=track,
        model=model_name,
        competencies=results,
        overall=overall_score(results),
        strengths=strengths[:MAX_STRENGTHS],
        improvements=improvements[:MAX_IMPROVEMENTS],
        practice_plan=list(reply.practice_plan[:MAX_PLAN]),
        dropped_quotes=dropped,
        attempts=attempts,
    )


def _verify_competency(
    competency: Competency, judgement: CompetencyJudgement, index: AnswerIndex
) -> tuple[CompetencyResult, int]:
    found = [_verify(quote, index) for quote in judgement.evidence]
    evidence = _unique([e for e in found if e])[:MAX_EVIDENCE]
    proposed = judgement.score if isinstance(judgement.score, int) else None
    score = proposed if evidence else None
    result = CompetencyResult(
        name=competency.name,
        title=competency.title,
        score=score,
        # a withheld score's reason rested on the quotes that were not found: it goes too
        rationale=judgement.rationale if evidence or proposed is None else "",
        evidence=evidence,
        withheld_score=proposed if proposed is not None and score is None else None,
    )
    return result, sum(1 for e in found if e is None)


def _verify(quote: str, index: AnswerIndex) -> Evidence | None:
    match = find_quote(quote, index)
    return Evidence(match.excerpt, match.answer + 1) if match else None


def _unique(evidence: list[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, int]] = set()
    kept = []
    for item in evidence:
        if (item.quote, item.answer) not in seen:
            seen.add((item.quote, item.answer))
            kept.append(item)
    return kept
