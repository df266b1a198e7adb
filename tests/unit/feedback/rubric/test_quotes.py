"""Finding a quote in the candidate's answers: near-verbatim quotes match, invented ones do not."""

from __future__ import annotations

import pytest

from mockflow.feedback.rubric.quotes import AnswerIndex, find_quote
from tests.fakes.rubric_llm import (
    ANSWERS,
)


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        ("we ran both systems in parallel for two weeks", True),
        ("We ran both systems, in parallel, for 2 weeks", True),  # shown as "two weeks"
        ("we ran both system in parallel for two weeks", True),  # a dropped plural
        ("we ran both systems in production for two weeks", False),  # a changed fact
        ("wrote a doc", False),  # not in the transcript
        ("I wrote", False),  # too short to be evidence
        ("", False),
    ],
)
def test_quote_matching_threshold(quote: str, found: bool) -> None:
    assert (find_quote(quote, AnswerIndex.build(ANSWERS)) is not None) is found
