"""Checks that a quote attributed to the candidate is something the candidate said.

Both sides are normalised the same way: casefolded, curly quotes straightened, every
run of punctuation and whitespace folded to one space (apostrophes removed, so "don't"
and "dont" agree), and filler sounds (um, uh, er...) dropped, so a quote that only leaves
out an "um" still matches ("clean verbatim").

A quote is accepted when it is a near-substring of ONE candidate answer:
  - it has at least `MIN_QUOTE_WORDS` words (a 1-2 word "quote" proves nothing), and
  - it occurs verbatim in the normalised answer, or some window of the answer's words
    (length within ±10 % of the quote's, anchored where one of the quote's first or last
    three words occurs) has a `difflib.SequenceMatcher` character ratio >= 0.9
    (`MATCH_THRESHOLD`) with the quote. That tolerates a dropped word, a plural or a
    fixed typo in a sentence-long quote, and rejects paraphrase and invention.
An accepted quote is always shown as the candidate's own words: the matching excerpt of
the transcript, not the model's rendering of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from mockflow.feedback.analytics.fillers import FILLER_WORDS

MATCH_THRESHOLD = 0.9
MIN_QUOTE_WORDS = 3
_WORD = re.compile(r"[^\W_]+(?:['’‘][^\W_]+)*")
_ANCHOR_WORDS = 3
# Prefilter: an answer is searched only if it shares this share of the quote's word
# prefixes (4 letters, so "system"/"systems" agree); far below what a 0.9 ratio needs.
_PREFIX = 4
_MIN_SHARED = 0.6


@dataclass(frozen=True)
class QuoteMatch:
    answer: int  # 0-based index into the answers the index was built from
    excerpt: str  # the candidate's own words


@dataclass(frozen=True)
class _Answer:
    original: str
    words: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    padded: str  # " w1 w2 ... wn "
    prefixes: frozenset[str]


@dataclass(frozen=True)
class AnswerIndex:
    """The candidate's answers, normalised once for repeated quote checks."""

    answers: tuple[_Answer, ...]

    @classmethod
    def build(cls, answers: list[str]) -> AnswerIndex:
        built = []
        for text in answers:
            pairs = _normalise(text)
            words = tuple(w for w, _ in pairs)
            spans = tuple(s for _, s in pairs)
            padded = f" {' '.join(words)} "
            built.append(_Answer(text, words, spans, padded, _prefixes(words)))
        return cls(tuple(built))


def normalise_words(text: str) -> list[str]:
    return [word for word, _ in _normalise(text)]


def _normalise(text: str) -> list[tuple[str, tuple[int, int]]]:
    pairs = []
    for match in _WORD.finditer(text):
        word = re.sub(r"['’‘]", "", match.group().casefold())
        if word not in FILLER_WORDS:
            pairs.append((word, match.span()))
    return pairs


def find_quote(quote: str, index: AnswerIndex) -> QuoteMatch | None:
    """Where the candidate said `quote` (see the module docstring), or None."""
    words = normalise_words(quote)
    if len(words) < MIN_QUOTE_WORDS:
        return None
    needle = " ".join(words)
    edges = _filler_edges(quote)
    for i, answer in enumerate(index.answers):
        pos = answer.padded.find(f" {needle} ")
        if pos >= 0:
            start = answer.padded[: pos + 1].count(" ") - 1
            return QuoteMatch(i, _excerpt(answer, start, len(words), edges))
    prefixes = _prefixes(words)
    for i, answer in enumerate(index.answers):
        if len(prefixes & answer.prefixes) < _MIN_SHARED * len(prefixes):
            continue
        window = _near_match(words, needle, answer.words)
        if window is not None:
            return QuoteMatch(i, _excerpt(answer, *window, edges))
    return None


def _prefixes(words: tuple[str, ...] | list[str]) -> frozenset[str]:
    return frozenset(word[:_PREFIX] for word in words)


def _filler_edges(quote: str) -> tuple[bool, bool]:
    """Whether the quote starts and ends with a filler sound (which matching ignores)."""
    raw = [re.sub(r"['’‘]", "", w.casefold()) for w in _WORD.findall(quote)]
    return bool(raw) and raw[0] in FILLER_WORDS, bool(raw) and raw[-1] in FILLER_WORDS


def _excerpt(answer: _Answer, start: int, size: int, edges: tuple[bool, bool]) -> str:
    """The answer's own words for the match: fillers inside it are kept as said, and the
    filler sounds just before or after it too when the quote began or ended with one."""
    lo, hi = answer.spans[start][0], answer.spans[start + size - 1][1]
    if edges[0]:
        before = answer.spans[start - 1][1] if start > 0 else 0
        lo = next((m.start() for m in _WORD.finditer(answer.original, before, lo)), lo)
    if edges[1]:
        after = start + size
        limit = answer.spans[after][0] if after < len(answer.spans) else len(answer.original)
        hi = max((m.end() for m in _WORD.finditer(answer.original, hi, limit)), default=hi)
    return answer.original[lo:hi]


def _near_match(words: list[str], needle: str, answer: tuple[str, ...]) -> tuple[int, int] | None:
    """(start, size) of the window of `answer` most like the quote, if close enough."""
    n = len(words)
    slack = max(1, n // 10)
    heads, tails = set(words[:_ANCHOR_WORDS]), set(words[-_ANCHOR_WORDS:])
    starts: set[int] = set()
    for pos, word in enumerate(answer):
        if word in heads:
            starts.update(range(pos - _ANCHOR_WORDS - slack, pos + slack + 1))
        if word in tails:
            starts.update(range(pos + 1 - n - slack, pos + 1 - n + _ANCHOR_WORDS + slack))
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(needle)
    best, best_ratio = None, MATCH_THRESHOLD
    for start in sorted(s for s in starts if 0 <= s < len(answer)):
        for size in range(max(1, n - slack), min(n + slack, len(answer) - start) + 1):
            matcher.set_seq1(" ".join(answer[start : start + size]))
            if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
                continue
            ratio = matcher.ratio()
            if ratio > best_ratio or (best is None and ratio >= best_ratio):
                best, best_ratio = (start, size), ratio
    return best
