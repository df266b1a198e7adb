"""Terms the vocabulary does not know, found by how product and standard names look.

Four rules, each for a shape job ads use: CamelCase or letters with digits (PagerDuty,
Log4j); upper-case abbreviations with their number or partner (BGP, ISO 13485, FI/CO,
GD&T); runs of capitalised words inside a sentence (Palo Alto); and a capitalised item
in a list whose other items are known terms ("Kafka and Aeron"). None of them looks at a
title or heading, at the first word of a sentence, at a place ("in Leeds", "(Paris)") or
at a role noun ("Consultant").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

_PRODUCT_LIKE = re.compile(r"(?<![\w.+#-])[A-Za-z][A-Za-z0-9]*(?:\.(?:js|JS|io|IO|NET))?(?![\w+#])")
_VERSION = re.compile(r"[vV]\d+|[Gg]en\d+")
_ACRONYM = re.compile(
    r"(?<![\w.+#&/-])[A-Z][A-Z0-9]{1,5}s?(?:[/&][A-Z][A-Z0-9]{0,5})*"
    r"(?:[ -]\d{2,6}\b|(?: [A-Z]{2,5}s?\b)+)?(?![\w+#&/-])"
)
_NAME_RUN = re.compile(r"(?<![\w.+#/&-])[A-Z]\w+(?: [A-Z]\w+)*(?![\w+#&])")
_CLAUSE = re.compile(r"[.;:!?](?=\s|$)|\n")
_ITEM = re.compile(r",|\(|\)|/|&|\band\b|\bor\b", re.IGNORECASE)
_NAME_WORD = re.compile(r"[A-Z0-9][\w.+#-]*")
_PLACE_CUES = frozenset(str.split("in at from near based across to"))
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
    saturday sunday i'm you'll we're vm cli r&d q&a
    engineer developer manager designer head director engineering product design sales
    marketing finance operations support customer accountant consultant analyst coordinator
    specialist administrator officer agent representative rep assistant associate partner
    artist writer counsel technician recruiter scientist researcher intern trainee
    """
    )
)
# Countries, regions and large cities job ads name as the place of work.
_PLACES = frozenset(
    str.split(
        """
    germany france spain italy england wales scotland ireland britain netherlands poland
    japan china india canada brazil mexico australia singapore sweden norway denmark finland
    switzerland austria belgium portugal europe america asia africa berlin munich hamburg
    frankfurt cologne stuttgart paris lyon marseille toulouse london manchester leeds
    birmingham bristol edinburgh glasgow dublin amsterdam rotterdam madrid barcelona valencia
    lisbon porto milan rome turin warsaw krakow prague vienna zurich geneva stockholm oslo
    copenhagen helsinki tallinn riga vilnius budapest bucharest sofia athens istanbul tokyo
    osaka seoul beijing shanghai shenzhen bangalore bengaluru mumbai delhi pune hyderabad
    sydney melbourne toronto vancouver montreal austin boston chicago seattle denver atlanta
    york francisco angeles dubai
    """
    )
)


def unknown_terms(
    text: str, covered: list[tuple[int, int]], known: Callable[[str], bool]
) -> Iterator[tuple[int, str]]:
    """(offset, name) of product-like names in `text` outside the `covered` spans (the
    known terms) that `known` does not recognise."""
    covered = list(covered)
    candidates = [
        *_product_like(text),
        *_names_in_lists(text, covered),
        *_names(text),
        *_acronyms(text),
    ]
    for start, name in sorted(candidates, key=lambda c: (c[0], -len(c[1]))):  # longest
        end = start + len(name)
        if not any(a < end and start < b for a, b in covered) and not known(name):
            covered.append((start, end))
            yield start, name


def _product_like(text: str) -> Iterator[tuple[int, str]]:
    for match in _PRODUCT_LIKE.finditer(text):
        token = match.group()
        camel = re.search(r"[a-z][A-Z]", token)
        with_digits = re.search(r"\d", token) and len(token) <= 8
        if (camel or with_digits) and not _is_stop(token):
            yield match.start(), token


def _acronyms(text: str) -> Iterator[tuple[int, str]]:
    """Upper-case abbreviations (BGP, VLANs) with a number or partner that belongs to them
    (ISO 13485, DP-203, FI/CO, GD&T, NIST CSF), outside shouted lines."""
    for match in _ACRONYM.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        parts = match.group().split(" ")
        while parts and _is_stop(parts[-1]):
            parts.pop()
        name = " ".join(parts)
        if name and not line.isupper() and not _is_stop(name) and not _is_stop(parts[0]):
            yield match.start(), name


def _names(text: str) -> Iterator[tuple[int, str]]:
    """Runs of capitalised words inside a sentence (Palo Alto, Amazon Seller Central)."""
    for line_match in re.finditer(r"[^\n]+", text):
        line = line_match.group()
        if _title_like(line):
            continue
        for run in _NAME_RUN.finditer(line):
            before = line[: run.start()].rstrip()
            previous = before.rsplit(None, 1)[-1].casefold() if before else ""
            if not before or before[-1] in ".!?•*-–" or previous in _PLACE_CUES:
                continue
            words = run.group().split()
            if not any(_is_stop(word) or word.casefold() in _PLACES for word in words):
                yield line_match.start() + run.start(), run.group()


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
    return (
        word in _NOT_NAMES
        or word.removesuffix("s") in _NOT_NAMES
        or word in _PLACES
        or bool(_VERSION.fullmatch(word))
    )


def _is_name(item: str) -> bool:
    words = item.split()
    return (
        1 <= len(words) <= 3
        and all(_NAME_WORD.fullmatch(word) for word in words)
        and not any(_is_stop(word) for word in words)
        and not words[0][0].isdigit()
    )
