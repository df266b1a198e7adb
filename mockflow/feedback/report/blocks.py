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


Block = Para | Table | Items | Quote | Heading | Line


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
