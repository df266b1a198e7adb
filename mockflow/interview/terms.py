"""Key terms of a text: the tools, technologies and topics a candidate could be asked about.

Three deterministic sources, merged in order of first appearance: technical-looking
tokens (AWS, PostgreSQL, C++, CI/CD, S3), capitalised names in mid-sentence (Kubernetes,
Google Cloud) and the phrases after cues such as "experience with" or "knowledge of".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_TOKEN = re.compile(r"(?<![\w.+#-])[A-Za-z][A-Za-z0-9]*(?:[+#]+|(?:[./-][A-Za-z0-9]+)+)?")
_CUE = re.compile(
    r"\b(?:experience|expertise|proficiency|fluency|familiarity|knowledge|understanding|"
    r"background|skills?)\s+(?:with|in|of|using|across|on)\s+"
    r"(?P<list>[^.;:!?\n()]+)",
    re.IGNORECASE,
)
_EXAMPLES = re.compile(r"\((?:e\.g\.,?|such as|like|including|incl\.)\s*(?P<list>[^()]+)\)", re.I)
_LIST_SPLIT = re.compile(r"\s*(?:,|\band\b|\bor\b|\s/\s|&)\s*", re.IGNORECASE)
_LEADING = re.compile(
    r"^(?:(?:a|an|the|modern|strong|solid|deep|good|excellent|hands-on|proven|some|any|"
    r"one|more|other|similar|related|large|at least|building|designing|running|using)\s+)+",
    re.IGNORECASE,
)
_CLAUSE_TAIL = re.compile(
    r"\s+(?:is|are|was|were|to|that|which|who|would|will|for|as|at|on|in|a|an|the)\b.*$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?:^|[.!?:]\s+|^- )$")
# Capitalised or shouted words that are not terms: pronouns, job-ad words, dates.
_COMMON_WORDS = """
we you our your the a an and or for with in on at to of as if is are be this that these
it they their us i my me who what how why when where all any both each join apply please
equal opportunity employer team company role must nice plus bonus strong great excellent
experience knowledge ability years year remote hybrid full time part etc us usa uk eu ok
hr cv faq eta am pm tbd eeo inc ltd gmbh llc january february march april may june july
august september october november december monday tuesday wednesday thursday friday e.g i.e
"""
_NOT_TERMS = frozenset(_COMMON_WORDS.split())
_MAX_TERMS = 40
_MAX_TEXT_CHARS = 60_000  # a job ad is a few thousand; the rest adds nothing but time


def key_terms(text: str, *, technical_only: bool = False) -> list[str]:
    """The key terms of `text`, first appearance first, without case-insensitive repeats."""
    text = text[:_MAX_TEXT_CHARS]
    found: list[tuple[int, str]] = []
    lines = text.split("\n")
    offset = 0
    for number, line in enumerate(lines):
        shouting = line.isupper()
        if not shouting:
            found.extend((offset + start, term) for start, term in _technical(line))
            if not technical_only and number > 0:
                found.extend((offset + start, term) for start, term in _names(line))
        offset += len(line) + 1
    if not technical_only:
        found.extend(_cue_phrases(text))
    terms: dict[str, str] = {}
    for _, term in sorted(found, key=lambda item: item[0]):
        terms.setdefault(term.casefold(), term)
    return _without_parts(list(terms.values())[: _MAX_TERMS * 3], text)[:_MAX_TERMS]


def _without_parts(terms: list[str], text: str) -> list[str]:
    """Drop a term that only ever occurs inside a longer term ('Actions' of 'GitHub Actions')."""
    counts = {
        term: len(re.findall(rf"(?<![\w+#]){re.escape(term)}(?![\w+#])", text)) for term in terms
    }
    kept = []
    for term in terms:
        wider = [
            other
            for other in terms
            if other != term and re.search(rf"(?<![\w+#]){re.escape(term)}(?![\w+#])", other)
        ]
        if not wider or sum(counts[other] for other in wider) < counts[term]:
            kept.append(term)
    return kept


def _technical(line: str) -> Iterator[tuple[int, str]]:
    for match in _TOKEN.finditer(line):
        token = match.group()
        if token.lower() in _NOT_TERMS or line.isupper():
            continue
        upper = sum(char.isupper() for char in token)
        if (
            re.search(r"[a-z][A-Z]", token)
            or upper >= 2
            or (re.search(r"\d", token) and re.search(r"[A-Za-z]", token) and len(token) <= 8)
            or token.endswith(("+", "#"))
            or re.search(r"[A-Za-z]\.[A-Za-z]", token)
        ):
            yield match.start(), token


def _names(line: str) -> Iterator[tuple[int, str]]:
    """Runs of capitalised words that do not start a sentence: product and place names."""
    run: list[re.Match[str]] = []
    for match in [*_TOKEN.finditer(line), None]:
        if match and _is_name(match, line) and (not run or _adjacent(run[-1], match, line)):
            run.append(match)
            continue
        if run:
            yield run[0].start(), line[run[0].start() : run[-1].end()]
        run = [match] if match and _is_name(match, line) else []


def _is_name(match: re.Match[str], line: str) -> bool:
    token = match.group()
    return (
        token[0].isupper()
        and token[1:].islower()
        and len(token) > 1
        and token.lower() not in _NOT_TERMS
        and not _SENTENCE_END.search(line[: match.start()])
    )


def _adjacent(previous: re.Match[str], current: re.Match[str], line: str) -> bool:
    return line[previous.end() : current.start()] == " "


def _cue_phrases(text: str) -> Iterator[tuple[int, str]]:
    for pattern in (_CUE, _EXAMPLES):
        for match in pattern.finditer(text):
            for part in _LIST_SPLIT.split(match["list"]):
                phrase = _CLAUSE_TAIL.sub("", _LEADING.sub("", part.strip(" -"))).strip()
                if _is_phrase(phrase):
                    yield match.start("list") + text[match.start("list") :].find(part), phrase


def _is_phrase(phrase: str) -> bool:
    words = phrase.split()
    return (
        1 <= len(words) <= 4
        and len(phrase) > 1
        and words[0].lower() not in _NOT_TERMS
        and not words[0][0].isdigit()
    )
