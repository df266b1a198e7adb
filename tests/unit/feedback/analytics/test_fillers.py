"""Filler words, hedges, repeats and word counts, from the rules that count them."""

from __future__ import annotations

import pytest

from mockflow.feedback.analytics.fillers import scan_text, tokenize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I like Python", {}),
        ("it looks like it works", {}),
        ("something like 20 services", {}),
        ("it was like a maze", {}),
        ("he was like, no way", {"like": 1}),
        ("it was, like, slow", {"like": 1}),
        ("like, um, we shipped it", {"like": 1, "um": 1}),
        ("Like, we did it", {"like": 1}),
        ("Like I said", {}),
        ("we used tools, like Docker and Kafka", {}),
        ("we were like really stuck", {"like": 1}),
        ("I really like, uh, Python", {"uh": 1}),
        ("I would like to add", {}),
        ("I feel like it worked", {}),
        ("it was uh like a cache", {"uh": 1, "like": 1}),
        ("you know, it was hard", {"you know": 1}),
        ("you know what I mean", {}),
        ("do you know, uh, Kafka?", {"uh": 1}),
        ("I mean, it's fine", {"I mean": 1}),
        ("what I mean is this", {}),
        ("I mean it", {}),
        ("it was kind of slow", {"kind of": 1}),
        ("what kind of work", {}),
        ("that sort of thing", {}),
        ("it's sort of a cache and kinda slow", {"sort of": 1, "kind of": 1}),
        ("Umm... so, er, yeah. UH, hmm.", {"um": 2, "er": 1, "uh": 1}),
        ("Summer, hum and rum are not fillers; neither is umbrella.", {}),
    ],
)
def test_filler_rule(text: str, expected: dict[str, int]) -> None:
    assert dict(scan_text(text).fillers) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("I don't know.", 3),
        ("It’s 3.5x faster — about 1,000 requests/sec!", 7),  # "/" separates words
        ("We moved to node.js and a follow-up e-commerce API, i.e. REST.", 11),
        ("  UM,, um...  ", 2),
        ("", 0),
    ],
)
def test_word_count_handles_punctuation_numbers_and_contractions(text: str, words: int) -> None:
    assert scan_text(text).words == words


def test_tokens_are_casefolded_and_curly_apostrophes_straightened() -> None:
    assert tokenize("I DON’T Know").words == ("i", "don't", "know")


def test_hedges_and_repeats() -> None:
    scan = scan_text("I think, I think it was, maybe, kind of done. I'm not sure. I I did. It. It.")
    assert dict(scan.hedges) == {"I think": 2, "maybe": 1, "I'm not sure": 1}
    assert scan.fillers == {"kind of": 1}  # a filler, not also a hedge
    assert scan.repeats == ["I I"]  # "It. It." spans a sentence break
