"""Key terms of a text: the tools, technologies, methods and skills a candidate could be
asked about, each under one name however it is spelt.

The terms come from a vocabulary (`skills.toml`, read by `vocabulary`): "Postgres" is
PostgreSQL, "k8s" is Kubernetes, "Go" is the language only as written and beside another
term or a cue ("in Go", "Go, Rust"), never the verb. Generic words ("APIs", "team",
"experience") are not in it, so they are never terms. Names it does not know still count
when they look like product or standard names (`unknown_terms`: PagerDuty, ISO 13485,
"Aeron" in "Kafka and Aeron").

`mentioned` finds given terms in a candidate's answer by the same spellings and rules, so
a job description's "Kubernetes" is used when the candidate says "k8s".
"""

from __future__ import annotations

from collections.abc import Sequence

from mockflow.interview.unknown_terms import unknown_terms
from mockflow.interview.vocabulary import Mention, Spelling, Vocabulary, fold, vocabulary, words_of

_MAX_TERMS = 40
_MAX_TEXT_CHARS = 60_000  # a job ad is a few thousand; the rest adds nothing but time


def key_terms(text: str, *, technical_only: bool = False) -> list[str]:
    """The key terms of `text` under their usual names, first mention first, each once.
    `technical_only` keeps technologies (languages, tools, platforms …) and leaves out
    methods, business skills and spoken languages."""
    text = text[:_MAX_TEXT_CHARS]
    words = vocabulary()
    mentions = _in_context(words.mentions(text), words)
    found = [(m.start, m.term) for m in mentions]
    covered = [(m.start, m.end) for m in mentions]
    found += unknown_terms(text, covered, lambda name: words.canonical(name) is not None)
    names: dict[str, str] = {}
    for _, name in sorted(found):
        term = words.term(name)
        if not technical_only or term is None or term.technical:
            names.setdefault(name.casefold(), name)
    return list(names.values())[:_MAX_TERMS]


def mentioned(terms: Sequence[str], text: str) -> list[str]:
    """Which of `terms` `text` mentions, by any of their spellings, in the order given."""
    used = {term for term, _, _ in term_spans(text, terms)}
    return [term for term in terms if term in used]


def term_spans(text: str, terms: Sequence[str]) -> list[tuple[str, int, int]]:
    """(term, start, end) of each mention of one of `terms` in `text`, in order."""
    words = vocabulary()
    wanted: dict[str, str] = {}  # the vocabulary's name (or the term itself) -> as given
    extra: list[Spelling] = []
    for term in terms:
        name = words.canonical(term)
        if name is None:
            name = term
            extra.append(_own_spelling(term))
        wanted.setdefault(name, term)
    if extra:
        words = words.extended(extra)
    return [(wanted[m.term], m.start, m.end) for m in words.mentions(text) if m.term in wanted]


def _in_context(mentions: list[Mention], words: Vocabulary) -> list[Mention]:
    """Drop terms that count only beside a related one ("Flow" without Kotlin)."""
    names = {m.term for m in mentions}
    kept = []
    for mention in mentions:
        term = words.term(mention.term)
        if term is None or not term.needs or names & set(term.needs):
            kept.append(mention)
    return kept


def _own_spelling(term: str) -> Spelling:
    """A term the vocabulary does not know matches its own words; a short capitalised one
    ("Lua") only as written, since in lower case it is usually an ordinary word."""
    parts = words_of(term)
    cased_short = len(term) <= 3 and term[:1].isupper() and term[1:].islower()
    return Spelling(
        term,
        tuple(fold(w.text) for w in parts),
        tuple(w.text for w in parts) if cased_short else None,
    )
