"""One answer marked up for the report: what is highlighted is what is counted, and the
answer's text comes back unchanged."""

from __future__ import annotations

import pytest

from mockflow.feedback.analytics.fillers import scan_text
from mockflow.feedback.analytics.marks import FILLER, HEDGE, TERM, mark_answer


def _marked(segments: list[tuple[str, str]], kind: str) -> list[str]:
    return [text for text, k in segments if k == kind]


@pytest.mark.parametrize(
    "answer",
    [
        "Um, I think we moved the Kafka consumers to Go, uh, kind of slowly.",
        "  Leading spaces… and “curly quotes”, e-commerce APIs; CI/CD!  ",
        "",
        "No marks here at all.",
    ],
)
def test_joining_the_segments_gives_the_answer_back(answer):
    segments = mark_answer(answer, ["Kafka", "Go", "APIs", "CI/CD"])
    assert "".join(text for text, _ in segments) == answer


def test_the_fillers_highlighted_are_the_fillers_counted():
    answer = "Um, so, er, we shipped it. Uh, it was kind of slow, umm, you know."
    marked = _marked(mark_answer(answer), FILLER)
    assert marked == ["Um", "er", "Uh", "kind of", "umm", "you know"]
    assert len(marked) == sum(scan_text(answer).fillers.values())  # "kind of" is one mark


def test_hedges_and_terms_are_marked_and_a_filler_wins_an_overlap():
    answer = "I think we ran Kafka clusters, maybe on AWS, kind of a mess."
    segments = mark_answer(answer, ["Kafka", "AWS", "kind"])
    assert _marked(segments, HEDGE) == ["I think", "maybe"]
    assert _marked(segments, TERM) == ["Kafka", "AWS"]  # "kind" lost to the filler
    assert _marked(segments, FILLER) == ["kind of"]


def test_a_term_matches_its_plural_but_a_short_name_only_as_written():
    segments = mark_answer("We go out a lot; our APIs are in Go.", ["API", "Go"])
    assert _marked(segments, TERM) == ["APIs", "Go"]
