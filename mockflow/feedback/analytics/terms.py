"""Job-description coverage: which of the JD's key terms the candidate used.

The terms come from `mockflow.interview.context.jd_key_terms` (the same extractor that feeds the
interviewer), unless the caller passes its own. A term counts as used when one candidate
answer mentions it by any of its spellings (`mockflow.interview.terms.mentioned`: "k8s"
is Kubernetes, "postgres" PostgreSQL, "Go" only as written and in context, not "go out").
A term the vocabulary does not know counts when its words appear in order, casefolded,
punctuation ignored, a trailing plural "s" folded ("APIs" matches "API").
Also here: `STOPWORDS`, the function words left out of the most-used-words statistic.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockflow.feedback.analytics.fillers import word_set
from mockflow.interview.terms import mentioned

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
    said: set[str] = set()
    for answer in answers:
        said.update(mentioned(terms, answer))
    used = tuple(term for term in terms if term in said)
    missing = tuple(term for term in terms if term not in said)
    return TermCoverage(tuple(terms), used, missing)
