"""Format-neutral building blocks of a rendered report (plain, unescaped text)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Para:
    text: str
    label: str = ""  # shown in bold before the text
    note: bool = False  # shown as a muted aside


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Items:
    items: list[str]
    ordered: bool = False


@dataclass(frozen=True)
class Quote:
    text: str
    cite: str = ""


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Line:
    speaker: str
    text: str
    candidate: bool


@dataclass(frozen=True)
class Marked:
    """A candidate's answer with its marked words: (text, kind), kind "" when unmarked
    (see `mockflow.feedback.analytics.marks`)."""

    speaker: str
    segments: list[tuple[str, str]]


@dataclass(frozen=True)
class Card:
    """One question and its answer, with that answer's figures and coaching."""

    title: str
    blocks: list[Para | Items | Quote | Line | Marked]


Block = Para | Table | Items | Quote | Heading | Line | Marked | Card


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)
    key: str = ""


@dataclass(frozen=True)
class ReportView:
    title: str
    facts: list[tuple[str, str]]
    sections: list[Section]
