"""The rubric: validation, one retry, quote verification, scores computed in code, with
an in-memory `RubricLLM`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockflow.errors import ProviderError
from mockflow.feedback.rubric.failure import FeedbackModelError
from mockflow.feedback.rubric.generate import CompetencyResult, generate_rubric, overall_score
from tests.fakes.rubric_llm import (
    ANALYTICS,
    META,
    Q_DOC,
    TURNS,
    ScriptedLLM,
    reply,
    with_competency,
)


async def run(llm: Any) -> Any:
    return await generate_rubric(llm, TURNS, META, ANALYTICS, model_name="test-model")


async def test_valid_reply_gives_verified_rubric_with_overall_computed_in_code() -> None:
    llm = ScriptedLLM(reply(overall=1))  # a model-supplied overall is ignored
    rubric = (await run(llm)).rubric
    assert rubric is not None
    scores = {c.name: c.score for c in rubric.competencies}
    assert scores == {"communication": 4, "structure": 3, "self_presentation": 5, "role_fit": None}
    assert rubric.overall == 4.0
    assert rubric.competencies[1].title == "Structure (STAR)"
    assert rubric.competencies[3].status == "insufficient_evidence"
    assert rubric.dropped_quotes == 0 and rubric.attempts == 1
    assert rubric.improvements[0].original.answer == 3
    assert rubric.strengths[0].evidence.quote == Q_DOC
    messages, json_mode = llm.history[0]
    assert json_mode and messages[0]["role"] == "system"
    assert "BEGIN_CANDIDATE_DATA TRANSCRIPT" in messages[1]["content"]
    assert "Candidate, answer 2: So a teammate" in messages[1]["content"]


async def test_fabricated_quotes_are_dropped_and_unbacked_scores_withheld() -> None:
    competencies = with_competency("communication", evidence=["I led a team of forty engineers"])
    competencies = [
        {**c, "evidence": [*c["evidence"], "I personally rewrote the whole ledger"]}
        if c["name"] == "structure"
        else c
        for c in competencies
    ]
    strengths = [{"point": "Leadership.", "quote": "I managed the whole department"}]
    improvements = [{"point": "x", "original": "We never tested anything at all", "rewrite": "y"}]
    llm = ScriptedLLM(
        reply(competencies=competencies, strengths=strengths, improvements=improvements)
    )
    rubric = (await run(llm)).rubric
    assert rubric is not None
    communication, structure = rubric.competencies[:2]
    assert communication.score is None and communication.withheld_score == 4
    assert communication.status == "insufficient_evidence"
    assert structure.score == 3 and [e.quote for e in structure.evidence] == [Q_DOC]
    assert rubric.strengths == [] and rubric.improvements == []
    assert rubric.dropped_quotes == 4
    assert rubric.overall == 4.0  # mean of structure 3 and self-presentation 5


async def test_interviewer_words_and_quotes_spanning_answers_are_not_evidence() -> None:
    spanning = "billing systems in Python. So a teammate wanted hourly batch runs"
    competencies = with_competency("communication", evidence=["Question 1? Question 2?", spanning])
    rubric = (await run(ScriptedLLM(reply(competencies=competencies)))).rubric
    assert rubric is not None and rubric.competencies[0].score is None
    assert rubric.dropped_quotes == 2


async def test_near_verbatim_quote_is_shown_in_the_candidates_own_words() -> None:
    near = "i have spent five years building billing system in python"
    competencies = with_competency("communication", evidence=["im a backend engineer", near])
    rubric = (await run(ScriptedLLM(reply(competencies=competencies)))).rubric
    assert rubric is not None
    evidence = rubric.competencies[0].evidence
    assert [e.quote for e in evidence] == [
        "I'm a backend engineer",
        "I've spent five years building billing systems in Python",
    ]


async def test_invalid_then_valid_retries_once_with_the_validation_error() -> None:
    llm = ScriptedLLM("Sure! Here is the rubric: {oops", reply())
    outcome = await run(llm)
    assert outcome.rubric is not None and outcome.rubric.attempts == 2
    retry_messages = llm.history[1][0]
    assert retry_messages[-2] == {"role": "assistant", "content": "Sure! Here is the rubric: {oops"}
    assert retry_messages[-1]["role"] == "user"
    assert "not valid JSON" in retry_messages[-1]["content"]


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (reply(competencies=with_competency("structure", score=7)), "competencies.1.score"),
        (reply(competencies=with_competency("structure", score="4")), "competencies.1.score"),
        (reply(competencies=with_competency("structure", score=True)), "competencies.1.score"),
        (reply(competencies=json.loads(reply())["competencies"][:3]), "missing competencies"),
        (reply(competencies=with_competency("role_fit", name="charisma")), "unknown competencies"),
        ("[1, 2]", "does not match the schema"),
    ],
)
async def test_schema_problems_are_named_in_the_retry(bad: str, problem: str) -> None:
    llm = ScriptedLLM(bad, reply())
    assert (await run(llm)).rubric is not None
    assert problem in llm.history[1][0][-1]["content"]


async def test_always_invalid_gives_no_rubric_and_says_why() -> None:
    llm = ScriptedLLM("not json", reply(competencies=[]), reply())
    outcome = await run(llm)
    assert outcome.rubric is None and outcome.failed and outcome.retry
    assert outcome.failure == (
        "The model's rubric did not follow the required form (missing competencies: "
        "communication, structure, self_presentation, role_fit)."
    )  # the last reply's problem, in one line
    assert len(llm.history) == 2 and outcome.malformed_tries == 2


async def test_a_model_that_keeps_failing_the_form_is_not_offered_a_retry() -> None:
    first = await run(ScriptedLLM("not json", "still not json"))
    assert first.failure == "The model's rubric was not valid JSON." and first.retry
    llm = ScriptedLLM('```json\n{"oops": ```', "")
    again = await generate_rubric(
        llm, TURNS, META, ANALYTICS, malformed_before=first.malformed_tries
    )
    assert not again.retry and again.malformed_tries == 4
    assert again.failure == (
        "The model returned an empty reply instead of a rubric. It failed 4 times in a "
        "row, so trying again is unlikely to help: choose a larger feedback model in Settings."
    )


async def test_a_rubric_whose_every_quote_is_invented_is_a_failure() -> None:
    invented = [
        {"name": c["name"], "score": 4, "rationale": "Good.", "evidence": ["I led 40 people"]}
        for c in json.loads(reply())["competencies"]
    ]
    strengths = [{"point": "Leadership.", "quote": "I managed the whole department"}]
    improvements = [{"point": "x", "original": "We never tested anything", "rewrite": "y"}]
    llm = ScriptedLLM(reply(competencies=invented, strengths=strengths, improvements=improvements))
    outcome = await run(llm)
    assert outcome.rubric is None and outcome.failed and outcome.retry
    assert outcome.failure == "The model's rubric quoted words you never said (6 of 6 quotes)."


async def test_fenced_json_is_accepted() -> None:
    outcome = await run(ScriptedLLM(f"```json\n{reply()}\n```"))
    assert outcome.rubric is not None and outcome.rubric.attempts == 1


async def test_provider_failure_is_reported_without_retry() -> None:
    llm = ScriptedLLM(ProviderError("Feedback LLM", "the API key was rejected (401)"))
    outcome = await run(llm)
    assert outcome.rubric is None and "API key was rejected" in (outcome.failure or "")
    assert len(llm.history) == 1


@pytest.mark.parametrize(
    ("error", "line", "retry"),
    [
        (
            FeedbackModelError("did not answer within 300 s", retryable=True),
            "The feedback model did not answer within 300 s.",
            True,
        ),
        (
            FeedbackModelError("is rate limiting your key (429)", retryable=True),
            "The feedback model is rate limiting your key (429).",
            True,
        ),
        (
            FeedbackModelError("had a server error (HTTP 502)", retryable=True),
            "The feedback model had a server error (HTTP 502).",
            True,
        ),
        (
            FeedbackModelError(
                "says your API key was rejected (401)", advice="Check it in Settings."
            ),
            "The feedback model says your API key was rejected (401). Check it in Settings.",
            False,
        ),
    ],
)
async def test_a_provider_failure_says_why_and_offers_a_retry_only_when_it_can_help(
    error: FeedbackModelError, line: str, retry: bool
) -> None:
    outcome = await run(ScriptedLLM(error))
    assert (outcome.failure, outcome.retry, outcome.failed) == (line, retry, True)


async def test_no_answers_means_no_model_call() -> None:
    llm = ScriptedLLM()
    outcome = await generate_rubric(llm, TURNS[:1], META, ANALYTICS)
    assert outcome.rubric is None and "no answers" in (outcome.failure or "")
    assert llm.history == []


def test_overall_score_is_the_rounded_mean_of_scored_competencies() -> None:
    def result(score: int | None) -> CompetencyResult:
        return CompetencyResult("c", "C", score, "", [])

    assert overall_score([result(4), result(3), result(3), result(None)]) == 3.3
    assert overall_score([result(None)]) is None
    assert overall_score([]) is None
