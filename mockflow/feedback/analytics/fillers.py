"""Word-level reading of one answer: words, filler words, hedges and back-to-back repeats.

Tokens: the text is casefolded, curly apostrophes become straight ones, and a *word* is a
run of letters/digits that may contain inner apostrophes or hyphens ("don't", "follow-up"
are one word each), dotted names ("node.js") or number separators ("3.5x", "1,000"); a
slash separates words ("CI/CD" is two).
Everything else that matters (, . ; : ! ? … — and a free-standing dash) is punctuation
and marks a *break* between words. Word counts include the fillers themselves.

Filler rule (a count is a lower bound: when a use is ambiguous it is NOT counted):

- Sounds always count: um/umm/uhm/hmm ("um"), uh/uhh ("uh"), er/erm/err ("er").
- "kinda"/"sorta" always count. "kind of"/"sort of" count unless the word right before
  them is a determiner, quantifier or possessive ("what kind of", "that sort of thing").
- "like", "you know" and "I mean" have ordinary grammatical uses, so they count only in a
  *filler position*, and never when *bound* by the word right before them (no break in
  between): "like" after a subject pronoun, auxiliary, negation or comparison word
  ("I like Python", "would like", "it looks like", "something like 20", "feel like");
  "you know" after do/did/if/as/what...; "I mean" after what/which/if/do...
  A filler position is one of:
    1. a break right after the phrase: "Like, we...", ", like,", "it was like, slow",
       "he was like, no way" (quotative "be like," counts; "it was like a maze" does not);
       "you know, ..."; "I mean, ...";
    2. next to a filler sound: "like, um", "uh like", "I mean um";
    3. for "like" only: a repeated "like like", or "like" right before an intensifier
       (really, totally, super, literally, basically, honestly): "we were like really stuck".
  Anything else is not counted: ", like Docker and Kafka" (= such as), "Like I said",
  "what I mean is", "you know what I mean", "I mean it".

Hedges are counted phrases ("I think", "maybe", "probably", "I'm not sure" ...), longest
first and without overlap; "kind of"/"sort of" are fillers, not hedges, so nothing is
counted twice. A back-to-back repeat is the same word twice in a row with at most a comma
between ("I I", "the, the"), except words that legitimately double ("had had", "no no").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

FILLER_KINDS = ("um", "uh", "er", "like", "you know", "I mean", "kind of", "sort of")

_TOKEN = re.compile(
    r"(?P<word>\d+(?:[.,:]\d+)+[^\W_]*|[^\W_]+(?:['-][^\W_]+)*(?:\.[^\W_]+)*)"
    r"|(?P<brk>\.\.\.|[,.;:!?…—–()\"]|(?<!\S)-+(?!\S))"
)


def word_set(words: str) -> frozenset[str]:
    """A frozenset from a whitespace-separated list (keeps long word lists readable)."""
    return frozenset(words.split())


_SOUNDS = {
    **dict.fromkeys(("um", "umm", "ummm", "uhm", "uhmm", "hmm"), "um"),
    **dict.fromkeys(("uh", "uhh", "uhhh"), "uh"),
    **dict.fromkeys(("er", "err", "erm", "errm"), "er"),
}
FILLER_WORDS = frozenset(_SOUNDS) | {"kinda", "sorta"}
_LIKE_BINDERS = word_set(
    "i we you they he she who would i'd we'd you'd they'd he'd she'd who'd do does did "
    "don't doesn't didn't not to also really always never still genuinely definitely "
    "look looks looked looking sound sounds sounded seem seems seemed feel feels felt "
    "feeling something anything nothing everything things stuff just more most much "
    "exactly lot little"
)
_LIKE_INTENSIFIERS = word_set("really totally super literally basically honestly")
_YOU_KNOW_BINDERS = word_set(
    "do did does don't didn't doesn't if as what whether would could might will"
)
_I_MEAN_BINDERS = word_set("what which if do did don't didn't that")
_KIND_BINDERS = word_set(
    "a an the this that these those what which some any every each one no same other "
    "another my our your their his her its whatever certain particular different only "
    "right wrong first"
)
_DOUBLE_OK = word_set("had that no yes yeah bye ha very so")
HEDGES = (
    "i'm not sure",
    "i am not sure",
    "not sure",
    "i feel like",
    "i would say",
    "i'd say",
    "i think",
    "i guess",
    "i believe",
    "i suppose",
    "to some extent",
    "more or less",
    "a little bit",
    "maybe",
    "perhaps",
    "probably",
    "possibly",
    "hopefully",
    "somewhat",
)
_PRONOUN_I = re.compile(r"\bi\b")


def display(words: str) -> str:
    """Casefolded words as a reader expects them ("i think" -> "I think")."""
    return _PRONOUN_I.sub("I", words)


_HEDGES_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _hedge in HEDGES:  # HEDGES is longest-first within each first word
    _words = tuple(_hedge.split())
    _HEDGES_BY_FIRST.setdefault(_words[0], []).append((_words, display(_hedge)))


@dataclass(frozen=True)
class Tokens:
    """Words of a text and, for each word, the punctuation ("" if none) right before it."""

    words: tuple[str, ...]
    broken: tuple[str, ...]  # broken[i]: break before words[i]; broken[len(words)]: at the end

    def break_after(self, i: int) -> bool:
        return i + 1 >= len(self.words) or bool(self.broken[i + 1])


@dataclass
class TextScan:
    words: int = 0
    fillers: Counter[str] = field(default_factory=Counter)
    hedges: Counter[str] = field(default_factory=Counter)
    repeats: list[str] = field(default_factory=list)


def tokenize(text: str) -> Tokens:
    return tokenize_spans(text)[0]


def tokenize_spans(text: str) -> tuple[Tokens, list[tuple[int, int]]]:
    """The tokens of `text` and each word's (start, end) in `text`, for marking it up."""
    words: list[str] = []
    spans: list[tuple[int, int]] = []
    broken: list[str] = [""]
    for match in _TOKEN.finditer(text.replace("’", "'").replace("‘", "'")):
        if match.lastgroup == "word":
            words.append(match.group().casefold())
            spans.append(match.span())
            broken.append("")
        else:
            broken[-1] += match.group()
    return Tokens(tuple(words), tuple(broken)), spans


def scan_text(text: str) -> TextScan:
    """Count words, fillers, hedges and back-to-back repeats in one answer."""
    tokens = tokenize(text)
    return TextScan(
        words=len(tokens.words),
        fillers=find_fillers(tokens),
        hedges=find_hedges(tokens),
        repeats=find_repeats(tokens),
    )


def find_fillers(tokens: Tokens) -> Counter[str]:
    return Counter(kind for _, _, kind in filler_spans(tokens))


def filler_spans(tokens: Tokens) -> list[tuple[int, int, str]]:
    """(first word, number of words, kind) of every filler, in order."""
    found = []
    for i, word in enumerate(tokens.words):
        kind = _SOUNDS.get(word) or _filler_at(tokens, i, word)
        if kind:
            one_word = word in _SOUNDS or word in ("kinda", "sorta", "like")
            found.append((i, 1 if one_word else 2, kind))
    return found


def _filler_at(tokens: Tokens, i: int, word: str) -> str | None:
    words = tokens.words
    nxt = words[i + 1] if i + 1 < len(words) and not tokens.broken[i + 1] else None
    if word in ("kinda", "sorta"):
        return f"{word[:4]} of"
    if word in ("kind", "sort") and nxt == "of":
        return None if _bound(tokens, i, _KIND_BINDERS) else f"{word} of"
    if word == "like":
        return "like" if _like_is_filler(tokens, i) else None
    if word == "you" and nxt == "know":
        binders = _YOU_KNOW_BINDERS
        return None if _bound(tokens, i, binders) or not _in_slot(tokens, i, 2) else "you know"
    if word == "i" and nxt == "mean":
        binders = _I_MEAN_BINDERS
        return None if _bound(tokens, i, binders) or not _in_slot(tokens, i, 2) else "I mean"
    return None


def _bound(tokens: Tokens, i: int, binders: frozenset[str]) -> bool:
    """The word right before position i (with no break between) governs the phrase."""
    return i > 0 and not tokens.broken[i] and tokens.words[i - 1] in binders


def _in_slot(tokens: Tokens, i: int, length: int) -> bool:
    """A phrase words[i:i+length] is followed by a break or sits next to a filler sound."""
    end = i + length - 1
    if tokens.break_after(end):
        return True
    words = tokens.words
    before = words[i - 1] if i > 0 and not tokens.broken[i] else None
    return before in _SOUNDS or words[end + 1] in _SOUNDS


def _like_is_filler(tokens: Tokens, i: int) -> bool:
    if _bound(tokens, i, _LIKE_BINDERS):
        return False
    if _in_slot(tokens, i, 1):
        return True
    words = tokens.words
    after = words[i + 1]  # exists: _in_slot is true at the end of the text
    before = words[i - 1] if i > 0 and not tokens.broken[i] else None
    return after == "like" or before == "like" or after in _LIKE_INTENSIFIERS


def find_hedges(tokens: Tokens) -> Counter[str]:
    return Counter(name for _, _, name in hedge_spans(tokens))


def hedge_spans(tokens: Tokens) -> list[tuple[int, int, str]]:
    """(first word, number of words, phrase) of every hedge, longest first, no overlaps."""
    found = []
    words, i = tokens.words, 0
    while i < len(words):
        for phrase, name in _HEDGES_BY_FIRST.get(words[i], ()):
            end = i + len(phrase)
            if words[i:end] == phrase and not any(tokens.broken[i + 1 : end]):
                found.append((i, len(phrase), name))
                i = end - 1
                break
        i += 1
    return found


def find_repeats(tokens: Tokens) -> list[str]:
    """Back-to-back repeats like "I I" or "the, the" (fillers and idiomatic doubles excluded)."""
    words, broken = tokens.words, tokens.broken
    return [
        display(f"{words[i]} {words[i]}")
        for i in range(1, len(words))
        if words[i] == words[i - 1]
        and broken[i] in ("", ",")
        and words[i] not in _DOUBLE_OK
        and words[i] not in _SOUNDS
    ]
