"""Job-description coverage: which of the JD's key terms the candidate used.

The terms come from `mockflow.interview.context.jd_key_terms` (the same extractor that feeds the
interviewer), unless the caller passes its own. A term counts as used when its words
appear, in order, in one candidate answer, compared casefolded, punctuation ignored, with
a trailing plural "s" folded ("APIs" matches "API", "Payments" matches "payment").
Also here: `STOPWORDS`, the function words left out of the most-used-words statistic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mockflow.feedback.analytics.fillers import tokenize, word_set

STOPWORDS = word_set(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers him his how i if in into is
    it its itself just me more most my no nor not now of off on once only or other our ours
    out over own same she should so some such than that the their theirs them then there
    these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours i'm it's we're they're that's
    there's i've we've i'd i'll don't didn't doesn't isn't wasn't can't won't yeah yes okay
    ok so really actually well oh one two get got make made thing things lot kind sort
    going gonna want wanted think know mean like said say also us let let's went goes
    come came take took last first back still even many every much maybe probably perhaps
    sure right pretty bit"""
)


@dataclass(frozen=True)
class TermCoverage:
    terms: tuple[str, ...]
    used: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def share(self) -> float | None:
        return len(self.used) / len(self.terms) if self.terms else None


def term_coverage(terms: list[str], answers: list[str]) -> TermCoverage:
    """Which `terms` occur in any of the candidate's `answers` (see the module docstring)."""
    haystack = " | ".join(" ".join(stems(answer)) for answer in answers)
    haystack = f" {haystack} "
    used: list[str] = []
    missing: list[str] = []
    for term in terms:
        if is_cased_short(term):  # "Go" the language, not "go" the verb
            found = any(re.search(rf"(?<![\w.]){re.escape(term)}(?![\w])", a) for a in answers)
        else:
            needle = " ".join(stems(term))
            found = bool(needle) and f" {needle} " in haystack
        (used if found else missing).append(term)
    return TermCoverage(tuple(terms), tuple(used), tuple(missing))


def is_cased_short(term: str) -> bool:
    """A short capitalised word ("Go", "Lua"): found only as written, since in lower case
    it is usually an ordinary word ("go out"). Acronyms ("AWS") match in any case: speech
    to text often writes them in lower case."""
    return len(term) <= 3 and term[:1].isupper() and term[1:].islower()


def stems(text: str) -> list[str]:
    return [_fold_plural(word) for word in tokenize(text).words]


def _fold_plural(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
