"""The vocabulary of job terms (`skills.toml`) and finding its terms in a text.

A text is cut into words, each compared casefolded with a plural "s" dropped, so "CI/CD"
matches "CI CD", "Node.js" "node js" and "SLOs" "SLO". At each word the longest spelling
that matches wins ("Google Cloud Platform" before "Google Cloud"). Spellings marked exact
match only as written; those marked context only beside another term or a cue word.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, NamedTuple

_WORD = re.compile(r"[^\W_]+[+#]*")
# What may stand between the words of one spelling: "CI/CD", "Node.js", "1C:Enterprise".
_JOINERS = frozenset({"", ".", "/", "-", ":", "&", "'"})
# Words around an ambiguous spelling that show it is a term: "in Go", "Go developer".
_CUES_BEFORE = frozenset(
    str.split("in with using use used uses written write wrote language languages like")
)
_CUES_AFTER = frozenset(
    str.split(
        "developer developers engineer engineers programmer programmers programming code "
        "codebase language services service backend microservices experience"
    )
)
_NEIGHBOURHOOD = 4  # words either side in which another term vouches for an ambiguous one


@dataclass(frozen=True)
class Term:
    name: str
    category: str
    technical: bool
    needs: tuple[str, ...] = ()  # counts in a job description only beside one of these


@dataclass(frozen=True)
class Spelling:
    term: str
    words: tuple[str, ...]  # folded
    written: tuple[str, ...] | None  # the words as written, when only that case counts
    context: bool = False
    # Per word, the casefolded word when it is a product name and must not lose a final
    # "s" ("Canva" is not "Canvas"); None where a plural counts ("SLOs", "design systems").
    unfolded: tuple[str | None, ...] = ()


class Word(NamedTuple):  # a tuple: texts are cut into thousands of these
    fold: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Mention:
    term: str
    start: int  # character offsets in the text
    end: int
    first: int  # word indexes
    last: int


class Vocabulary:
    """Terms by name and their spellings by first word, longest first."""

    def __init__(self, terms: Iterable[Term], spellings: Iterable[Spelling]) -> None:
        self.terms = {term.name.casefold(): term for term in terms}
        self._index: dict[str, list[Spelling]] = {}
        self._canonical: dict[str, str | None] = {}
        for spelling in spellings:
            if spelling.words:
                self._index.setdefault(spelling.words[0], []).append(spelling)
        for candidates in self._index.values():
            candidates.sort(key=lambda s: -len(s.words))

    def extended(self, spellings: Iterable[Spelling]) -> Vocabulary:
        """This vocabulary with more spellings (of terms a caller names itself)."""
        own = [s for candidates in self._index.values() for s in candidates]
        return Vocabulary(self.terms.values(), [*own, *spellings])

    def term(self, name: str) -> Term | None:
        return self.terms.get(name.casefold())

    def canonical(self, spelling: str) -> str | None:
        """The name of the term `spelling` stands for, if it is one of its spellings."""
        if spelling not in self._canonical:
            self._canonical[spelling] = self._find_canonical(spelling)
        return self._canonical[spelling]

    def _find_canonical(self, spelling: str) -> str | None:
        words = words_of(spelling)
        found = self.mentions(spelling, ambiguous=True)
        if len(found) == 1 and (found[0].first, found[0].last) == (0, len(words) - 1):
            return found[0].term
        return None

    def mentions(self, text: str, *, ambiguous: bool = False) -> list[Mention]:
        """The terms `text` mentions, in order. `ambiguous` keeps context spellings found
        without context (used to name a term a caller gives, not to find one in prose)."""
        words = words_of(text)
        found: list[tuple[Mention, Spelling]] = []
        i = 0
        while i < len(words):
            spelling = self._match(words, i, text)
            if spelling is None:
                i += 1
                continue
            last = i + len(spelling.words) - 1
            mention = Mention(spelling.term, words[i].start, words[last].end, i, last)
            found.append((mention, spelling))
            i = last + 1
        return [
            mention
            for mention, spelling in found
            if ambiguous or not spelling.context or _vouched(mention, found, words, text)
        ]

    def _match(self, words: list[Word], i: int, text: str) -> Spelling | None:
        candidates = self._index.get(words[i].fold)
        if not candidates:
            return None
        ahead = words[i : i + len(candidates[0].words)]  # the longest spelling first
        folds = tuple(w.fold for w in ahead)
        for spelling in candidates:
            size = len(spelling.words)
            if folds[:size] != spelling.words:
                continue
            run = ahead[:size]
            if spelling.written and tuple(w.text for w in run) != spelling.written:
                continue
            if any(
                u and u != w.text.casefold() for u, w in zip(spelling.unfolded, run, strict=False)
            ):
                continue
            if size == 1 or all(
                text[a.end : b.start].strip(" ") in _JOINERS
                for a, b in zip(run, run[1:], strict=False)
            ):
                return spelling
        return None


def _vouched(
    mention: Mention, found: list[tuple[Mention, Spelling]], words: list[Word], text: str
) -> bool:
    """An ambiguous spelling ("Go", "C", "R") counts beside a cue word or another term,
    and never glued to "&", "-" or "'" ("R&D", "C-level", "Go-to-market")."""
    if text[mention.end : mention.end + 1] in ("&", "-", "'"):
        return False
    before = words[mention.first - 1].fold if mention.first > 0 else ""
    after = words[mention.last + 1].fold if mention.last + 1 < len(words) else ""
    if before in _CUES_BEFORE or after in _CUES_AFTER:
        return True
    return any(
        other is not mention
        and not spelling.context
        and abs(other.first - mention.first) <= _NEIGHBOURHOOD
        for other, spelling in found
    )


def words_of(text: str) -> list[Word]:
    make = tuple.__new__  # Word(...) runs Python code per word; this is the same tuple
    return [
        make(Word, (fold(word), word, m.start(), m.end()))
        for m in _WORD.finditer(text)
        for word in (m.group(),)
    ]


@lru_cache(maxsize=65_536)
def fold(word: str) -> str:
    word = word.casefold()
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary in `skills.toml`, read once."""
    source = resources.files("mockflow.interview").joinpath("skills.toml").read_text("utf-8")
    return parse_vocabulary(tomllib.loads(source))


def parse_vocabulary(data: Mapping[str, Any]) -> Vocabulary:
    technical = set(data.get("technical", ()))
    terms: list[Term] = []
    spellings: list[Spelling] = []
    for category, table in data.items():
        if not isinstance(table, dict):
            continue
        for name, value in table.items():
            entry = value if isinstance(value, dict) else {"aliases": value}
            terms.append(Term(name, category, category in technical, tuple(entry.get("with", ()))))
            exact = list(entry.get("exact", ()))
            loose = [name] * (name not in exact) + list(entry.get("aliases", ()))
            context = bool(entry.get("context"))
            spellings += [_spelling(name, alias, written=False) for alias in loose]
            spellings += [_spelling(name, alias, written=True, context=context) for alias in exact]
    return Vocabulary(terms, spellings)


def _spelling(term: str, alias: str, *, written: bool, context: bool = False) -> Spelling:
    words = words_of(alias)
    return Spelling(
        term,
        tuple(w.fold for w in words),
        tuple(w.text for w in words) if written else None,
        context,
        tuple(w.text.casefold() if _is_product_name(w.text) else None for w in words),
    )


def _is_product_name(word: str) -> bool:
    """Mixed case beyond a plural "s" (Canva, PostgreSQL), unlike an abbreviation (SLOs)
    or a common noun (systems)."""
    stem = word.removesuffix("s")
    return any(c.isupper() for c in stem) and any(c.islower() for c in stem)
