"""Key terms of a text: the tools, technologies, methods and skills a candidate could be
asked about, each under one name however it is spelt.

The terms come from a vocabulary (`skills.toml`, read by `vocabulary`): "Postgres" is
PostgreSQL, "k8s" is Kubernetes, "Go" is the language only as written and beside another
term or a cue ("in Go", "Go, Rust"), never the verb. Generic words ("APIs", "team",
"experience") are not in it, so they are never terms. Names it does not know still count
when they look like products: CamelCase or letters with digits (PagerDuty, Log4j), or a
capitalised name in a list of known terms ("Kafka and Aeron").

`mentioned` finds given terms in a candidate's answer by the same spellings and rules, so
a job description's "Kubernetes" is used when the candidate says "k8s".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from mockflow.interview.vocabulary import Mention, Spelling, Vocabulary, fold, vocabulary, words_of

_MAX_TERMS = 40
_MAX_TEXT_CHARS = 60_000  # a job ad is a few thousand; the rest adds nothing but time
_PRODUCT_LIKE = re.compile(r"(?<![\w.+#-])[A-Za-z][A-Za-z0-9]*(?:\.(?:js|JS|io|IO|NET))?(?![\w+#])")
_CLAUSE = re.compile(r"[.;:!?](?=\s|$)|\n")
_ITEM = re.compile(r",|\(|\)|/|&|\band\b|\bor\b", re.IGNORECASE)
_NAME_WORD = re.compile(r"[A-Z0-9][\w.+#-]*")
_ACRONYM = re.compile(r"(?<![\w.+#&-])[A-Z][A-Z0-9]{1,5}s?(?![\w+#&])")
_NAME_RUN = re.compile(r"(?<![\w.+#/&-])[A-Z]\w+(?: [A-Z]\w+)*(?![\w+#&])")
_PLACE_CUES = frozenset(str.split("in at from near based across to"))
# Capitalised words that are not product names: pronouns, job-ad words, places, dates.
_NOT_NAMES = frozenset(
    str.split(
        """
    we you our your the a an and or for with in on at to of as if is are be this that these
    it they their us i my me who what how why when where all any both each join apply please
    equal opportunity employer team company role must nice plus bonus strong great excellent
    experience knowledge ability years year remote hybrid full time part etc usa uk eu ok
    hr cv faq eta am pm tbd eeo inc ltd gmbh llc phd msc bsc mba api apis sdk ui ux it ceo
    cto cfo coo vp emea apac dach nyc january february march april may june july august
    september october november december monday tuesday wednesday thursday friday e.g i.e
    senior junior lead principal staff level tools requirements responsibilities benefits
    ii iii iv ba bs ms ma id tv pr ae sdr bdr svp utc cet pst est pto ote wfh fte ngo asap
    engineer engineers developer developers manager managers designer designers head
    director engineering product design sales marketing finance operations support
    customer customers saturday sunday i'm you'll we're vm cli
    """
    )
)


def key_terms(text: str, *, technical_only: bool = False) -> list[str]:
    """The key terms of `text` under their usual names, first mention first, each once.
    `technical_only` keeps technologies (languages, tools, platforms …) and leaves out
    methods, business skills and spoken languages."""
    text = text[:_MAX_TEXT_CHARS]
    words = vocabulary()
    mentions = _in_context(words.mentions(text), words)
    found = [(m.start, m.term) for m in mentions]
    found += _unknown_names(text, mentions, words)
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


def _unknown_names(
    text: str, mentions: list[Mention], words: Vocabulary
) -> Iterator[tuple[int, str]]:
    covered = [(m.start, m.end) for m in mentions]

    def new(start: int, end: int) -> bool:
        return not any(a < end and start < b for a, b in covered)

    for match in _PRODUCT_LIKE.finditer(text):
        token = match.group()
        looks_like_product = re.search(r"[a-z][A-Z]", token) or (
            re.search(r"\d", token) and len(token) <= 8
        )
        if (
            looks_like_product
            and token.casefold() not in _NOT_NAMES
            and new(*match.span())
            and words.canonical(token) is None
        ):
            yield match.start(), token
    for start, name in [*_names_in_lists(text, covered), *_names(text), *_acronyms(text)]:
        if new(start, start + len(name)) and words.canonical(name) is None:
            covered.append((start, start + len(name)))
            yield start, name


def _acronyms(text: str) -> Iterator[tuple[int, str]]:
    """Upper-case abbreviations the vocabulary does not know (BGP, CCNP, VLANs), outside
    shouted lines."""
    for match in _ACRONYM.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        if not line.isupper() and not _is_stop(match.group()):
            yield match.start(), match.group()


def _names(text: str) -> Iterator[tuple[int, str]]:
    """Runs of capitalised words inside a sentence (Palo Alto, Amazon Seller Central),
    not its first word, not after "in", "at" or "from" (a place, an employer), and not
    in a title or heading (a line whose words are mostly capitalised)."""
    for line_match in re.finditer(r"[^\n]+", text):
        line = line_match.group()
        if _title_like(line):
            continue
        for run in _NAME_RUN.finditer(line):
            before = line[: run.start()].rstrip()
            previous = before.rsplit(None, 1)[-1].casefold() if before else ""
            if not before or before[-1] in ".!?•*-–" or previous in _PLACE_CUES:
                continue
            name_words = [w for w in run.group().split() if not _is_stop(w)]
            if name_words and name_words[0] == run.group().split()[0]:
                name = " ".join(name_words) if len(name_words) == len(run.group().split()) else ""
                if name:
                    yield line_match.start() + run.start(), name


def _names_in_lists(text: str, covered: list[tuple[int, int]]) -> Iterator[tuple[int, str]]:
    """Capitalised names among the items of a list at least half of which are known terms:
    "Aeron" in "Kafka and Aeron"."""
    clause_start = 0
    for end in [m.start() for m in _CLAUSE.finditer(text)] + [len(text)]:
        items = _items(text, clause_start, end)
        known = [item for item in items if any(a < item[1] and item[0] < b for a, b in covered)]
        title = _title_like(text[clause_start:end])  # "Rust Engineer, Storage"
        if not title and len(items) >= 2 and known and len(known) * 2 >= len(items):
            for start, stop in items[1:]:  # a clause's first word is capitalised anyway
                name = text[start:stop]
                if (start, stop) not in known and _is_name(name):
                    yield start, name
        clause_start = end + 1


def _items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    items = []
    for part in _ITEM.split(text[start:end]):
        offset = text.find(part, start, end) if part.strip() else -1
        stripped = part.strip(" *•-\t")
        if stripped and offset >= 0:
            first = offset + part.find(stripped)
            items.append((first, first + len(stripped)))
            start = first + len(stripped)
    return items


def _title_like(line: str) -> bool:
    """A title or heading: most of its words capitalised."""
    words = line.split()
    return line.isupper() or sum(w[:1].isupper() for w in words) * 2 > len(words)


def _is_stop(word: str) -> bool:
    word = word.casefold()
    return word in _NOT_NAMES or word.removesuffix("s") in _NOT_NAMES


def _is_name(item: str) -> bool:
    words = item.split()
    return (
        1 <= len(words) <= 3
        and all(_NAME_WORD.fullmatch(word) for word in words)
        and words[0].casefold() not in _NOT_NAMES
        and not words[0][0].isdigit()
    )


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
