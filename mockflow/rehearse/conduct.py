"""What one interviewer turn does, read from its words: questions, requests, narration,
praise, leaks, and how alike two turns are.

The phrase lists are data (`conduct.toml`). Text is casefolded with curly apostrophes
straightened; a phrase matches as whole words.

Questions: a turn is split into sentences after `.`, `!`, `?` or `…`; a question is a
sentence ending in `?`. "What was it, and why?" is one question (a lower bound).

Near-duplicate questions: each question becomes a set of content tokens (normalised
words as the quote checker reads them, minus the stopwords in `conduct.toml` and bare
numbers, a trailing plural "s" dropped from words over three letters). Two questions
are near-duplicates when their token sets are equal, or when the smaller set has at
least `MIN_TOKENS` (2) tokens and `DUPLICATE_OVERLAP` (80 %) of them are in the other
set (the overlap coefficient, so a shortened repeat still counts: "Can you walk me
through your background?" repeats "Could you walk me through your background in a
couple of minutes?").

A turn asks for an answer when it holds a question or one of the `requests` of
`conduct.toml` ("Tell me about…", "Walk me through…"): interviewers often ask without a
question mark.

Near-identical turns: the same comparison over the content tokens of two whole turns, or
the same text once casefolded and with its spacing collapsed (which also catches two equal
turns with no content words, such as "…" twice).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from mockflow.feedback.analytics.fillers import tokenize
from mockflow.feedback.rubric.quotes import normalise_words

DUPLICATE_OVERLAP = 0.8
MIN_TOKENS = 2
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+")
_CLOSERS = " \t\n\"'”’)]"


@dataclass(frozen=True)
class Phrases:
    narration: re.Pattern[str]
    praise: re.Pattern[str]
    feedback: re.Pattern[str]
    injection: re.Pattern[str]
    thanks: re.Pattern[str]
    invitation: re.Pattern[str]
    clarify: re.Pattern[str]
    requests: re.Pattern[str]
    pause: re.Pattern[str]
    end_request: re.Pattern[str]
    stopwords: frozenset[str]


_SHARED = ("requests", "pause", "end_request")


@cache
def phrases() -> Phrases:
    """The phrase data, compiled once."""
    text = resources.files(__package__).joinpath("conduct.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    # what asks for an answer, a pause or an end: the same lists the agent's reply rules use
    shared = resources.files("mockflow.interview").joinpath("reply_rules.toml").read_text("utf-8")
    raw.update({k: v for k, v in tomllib.loads(shared).items() if k in _SHARED})
    return Phrases(
        narration=_compile(raw["narration"]),
        praise=_compile(raw["praise"]),
        feedback=_compile(raw["feedback"]),
        injection=_compile(raw["injection"]),
        thanks=_compile({"phrases": raw["closing"]["thanks"]}),
        invitation=_compile({"phrases": raw["closing"]["invitation"]}),
        clarify=_compile(raw["clarify"]),
        requests=_compile(raw["requests"]),
        pause=_compile(raw["pause"]),
        end_request=_compile(raw["end_request"]),
        stopwords=frozenset(raw["questions"]["stopwords"].split()),
    )


def _compile(section: dict) -> re.Pattern[str]:
    parts = [rf"(?<!\w){re.escape(p.casefold())}(?!\w)" for p in section.get("phrases", ())]
    parts += list(section.get("patterns", ()))
    return re.compile("|".join(parts), re.IGNORECASE)


def fold(text: str) -> str:
    return text.casefold().replace("’", "'").replace("‘", "'")


def matches(pattern: re.Pattern[str], text: str) -> bool:
    return pattern.search(fold(text)) is not None


def word_count(text: str) -> int:
    return len(tokenize(text).words)


def questions(text: str) -> list[str]:
    """The sentences of `text` that end in a question mark."""
    sentences = _SENTENCE_END.split(text.strip())
    return [s.strip() for s in sentences if s.rstrip(_CLOSERS).endswith("?")]


def asks(text: str) -> bool:
    """Whether a turn asks the candidate for an answer: a question or a request."""
    return bool(questions(text)) or matches(phrases().requests, text)


def content_tokens(text: str) -> frozenset[str]:
    """The words of `text` that carry its content (see the module docstring)."""
    stop = phrases().stopwords
    tokens = set()
    for word in normalise_words(text):
        if word in stop or word.isdigit():
            continue
        tokens.add(word[:-1] if len(word) > 3 and word.endswith("s") else word)
    return frozenset(tokens)


def near_duplicate(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two questions' token sets say the same thing (see the module docstring)."""
    if not a or not b:
        return False
    if a == b:
        return True
    smaller = min(len(a), len(b))
    return smaller >= MIN_TOKENS and len(a & b) / smaller >= DUPLICATE_OVERLAP


def near_identical(a: str, b: str) -> bool:
    """Whether two whole turns say the same thing (see the module docstring)."""
    if " ".join(fold(a).split()) == " ".join(fold(b).split()):
        return True
    return near_duplicate(content_tokens(a), content_tokens(b))


def canary_pattern(canaries: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern for the words an injection asked the interviewer to say, if any."""
    words = [re.escape(fold(c)) for c in canaries if c.strip()]
    if not words:
        return None
    return re.compile("|".join(rf"(?<!\w){w}(?!\w)" for w in words), re.IGNORECASE)
