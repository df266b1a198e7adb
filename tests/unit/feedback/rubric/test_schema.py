"""The model's rubric reply is accepted only in the expected shape, and a refusal says
what is wrong in words the retry prompt can pass back to the model."""

from __future__ import annotations

import json

import pytest

from mockflow.feedback.rubric.schema import RubricFormatError, competencies_for, parse_reply

EXPECTED = competencies_for("behavioral")
NAMES = [c.name for c in EXPECTED]


def _reply(competencies: list[dict] | None = None, **extra: object) -> str:
    judged = [
        {"name": name, "score": 3, "rationale": "Clear, with one example.", "evidence": ["q"]}
        for name in NAMES
    ]
    return json.dumps({"competencies": judged if competencies is None else competencies, **extra})


def test_a_whole_reply_is_accepted_even_fenced_as_a_code_block():
    reply = parse_reply(
        f"```json\n{_reply(strengths=[{'point': 'p', 'quote': 'q'}])}\n```", EXPECTED
    )
    assert [c.name for c in reply.competencies] == NAMES
    assert reply.strengths[0].point == "p" and reply.improvements == []


def test_too_little_evidence_is_a_score_of_its_own():
    judged = json.loads(_reply())["competencies"]
    judged[0]["score"] = "insufficient_evidence"
    assert parse_reply(_reply(judged), EXPECTED).competencies[0].score == "insufficient_evidence"


@pytest.mark.parametrize(
    ("score", "words"),
    [(0, "greater than or equal to 1"), (6, "less than or equal to 5"), ("3", "valid integer")],
)
def test_a_score_outside_one_to_five_is_refused_naming_the_field(score, words):
    judged = json.loads(_reply())["competencies"]
    judged[1]["score"] = score
    with pytest.raises(RubricFormatError, match=words) as refused:
        parse_reply(_reply(judged), EXPECTED)
    assert "competencies.1.score" in str(refused.value)


def test_missing_unknown_and_repeated_competencies_are_each_named():
    judged = json.loads(_reply())["competencies"]
    judged[0]["name"] = "charisma"  # unknown, and communication is now missing
    judged.append(dict(judged[1]))  # structure twice
    with pytest.raises(RubricFormatError) as refused:
        parse_reply(_reply(judged), EXPECTED)
    assert str(refused.value) == (
        "missing competencies: communication; unknown competencies: charisma; "
        "competencies listed twice: structure"
    )


def test_text_that_is_not_json_says_where_it_broke():
    with pytest.raises(RubricFormatError, match=r"not valid JSON \(.* at line 1 column 2\)"):
        parse_reply("{scores: 3}", EXPECTED)


def test_an_empty_rationale_is_refused():
    judged = json.loads(_reply())["competencies"]
    judged[2]["rationale"] = "   "
    with pytest.raises(RubricFormatError, match="competencies.2.rationale"):
        parse_reply(_reply(judged), EXPECTED)
