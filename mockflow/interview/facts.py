"""Deterministic facts from a resume and a job description, in the writer's own words.

Sections are found by their headings ("Experience", "What you'll do", ...); items are the
lines under them, kept verbatim (after normalisation) so the interviewer can quote the
candidate. Nothing here calls a model; the same text always gives the same facts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from mockflow.interview.terms import key_terms

_HEADINGS = {
    "summary": "summary|profile|about|about me|objective|overview|professional summary|"
    "career summary|personal statement",
    "experience": "experience|work experience|professional experience|relevant experience|"
    "employment|employment history|work history|career history",
    "projects": "projects|selected projects|personal projects|side projects|key projects|"
    "open source|portfolio|achievements|key achievements",
    "skills": "skills|technical skills|core skills|key skills|technologies|tech stack|tools|"
    "competencies|core competencies|skills and tools|skills & tools|languages and tools",
    "responsibilities": "responsibilities|key responsibilities|what you'll do|what you will do|"
    "what you'll be doing|the role|your role|role|in this role|your impact|duties|"
    "day to day|your mission|the job|what the job involves",
    "requirements": "requirements|qualifications|minimum qualifications|basic qualifications|"
    "preferred qualifications|what you'll need|what you need|what you bring|"
    "what we're looking for|what we are looking for|who you are|about you|you have|"
    "must have|must haves|nice to have|nice to haves|bonus points|required skills|"
    "your profile|skills and experience",
    "other": "education|certifications|certificates|awards|publications|languages|interests|"
    "hobbies|volunteering|references|about us|about the company|who we are|benefits|perks|"
    "what we offer|why join us|how to apply|compensation|contact",
}
_HEADING_OF = {name: kind for kind, names in _HEADINGS.items() for name in names.split("|")}
_YEAR = re.compile(r"\b(19|20)\d\d\b|\bpresent\b|\bcurrent\b|\bnow\b", re.IGNORECASE)
_REQUIREMENT_CUE = re.compile(
    r"\b(experience|years|degree|proficien|knowledge|familiar|must|required|strong|"
    r"ability to|understanding|background in)\w*",
    re.IGNORECASE,
)
_SKILL_SPLIT = re.compile(r"\s*(?:[,;|•·]|\s/\s|\band\b)\s*")
_MAX_ITEMS = 8
_MAX_ITEM_CHARS = 240
_MAX_TEXT_CHARS = 60_000


@dataclass(frozen=True)
class ResumeFacts:
    """What a resume says about the candidate, quoted rather than paraphrased."""

    summary: str = ""
    roles: tuple[str, ...] = ()
    highlights: tuple[str, ...] = ()  # notable projects and achievements
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class JobFacts:
    """What a job description asks for."""

    title: str = ""
    responsibilities: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()
    key_terms: tuple[str, ...] = ()


def resume_facts(text: str) -> ResumeFacts:
    """Summary, roles, notable work and skills found in `text`."""
    sections = split_sections(text)
    work = sections.get("projects", []) + sections.get("experience", [])
    skills = _skills(sections.get("skills", [])) or tuple(key_terms(text, technical_only=True))
    return ResumeFacts(
        summary=_summary(sections),
        roles=_roles(sections.get("experience", [])),
        highlights=_highlights(work or sections.get("top", [])),
        skills=skills[:40],
    )


def job_facts(text: str) -> JobFacts:
    """Title, responsibilities, requirements and key terms found in `text`."""
    sections = split_sections(text)
    responsibilities = _items(sections.get("responsibilities", []))
    requirements = _items(sections.get("requirements", []))
    if not responsibilities and not requirements:
        lines = text[:_MAX_TEXT_CHARS].split("\n")
        bullets = _items(line for line in lines if line.startswith("- "))
        requirements = tuple(item for item in bullets if _REQUIREMENT_CUE.search(item))
        responsibilities = tuple(item for item in bullets if item not in requirements)
    top = [line for line in sections.get("top", []) if line]
    title = top[0] if top and len(top[0].split()) <= 10 else ""
    return JobFacts(
        title=title,
        responsibilities=responsibilities[:12],
        requirements=requirements[:12],
        key_terms=tuple(key_terms(text)),
    )


def split_sections(text: str) -> dict[str, list[str]]:
    """Lines grouped by the section heading above them; lines before any heading: 'top'."""
    sections: dict[str, list[str]] = {"top": []}
    current = "top"
    for line in text[:_MAX_TEXT_CHARS].split("\n"):
        kind = heading_kind(line)
        if kind:
            current = kind
            sections.setdefault(current, [])
        else:
            sections[current].append(line.strip())
    return sections


def heading_kind(line: str) -> str | None:
    """The section a heading line opens, or None if `line` is not a known heading."""
    words = line.strip().lstrip("#").strip()
    if not words or len(words.split()) > 6 or words.startswith("- "):
        return None
    key = re.sub(r"[^\w'&+ ]", "", words.replace("’", "'").lower()).strip()
    return _HEADING_OF.get(" ".join(key.split()))


def _summary(sections: dict[str, list[str]]) -> str:
    lines = [line for line in sections.get("summary", []) if line]
    if not lines:
        lines = [line for line in sections["top"] if len(line.split()) >= 8][:1]
    return _clip(" ".join(line.removeprefix("- ") for line in lines), 600)


def _roles(lines: list[str]) -> tuple[str, ...]:
    """Role headers: runs of short non-bullet lines in the experience section."""
    roles: list[str] = []
    run: list[str] = []
    for line in [*lines, ""]:
        if line and not line.startswith("- ") and len(line.split()) <= 14:
            run.append(line)
            continue
        if run and (any(_YEAR.search(part) for part in run) or len(run) <= 3):
            roles.append(_clip(" · ".join(run), 160))
        run = []
    return tuple(roles[:_MAX_ITEMS])


def _highlights(lines: list[str]) -> tuple[str, ...]:
    """Bullets worth asking about: those with figures first, then in document order."""
    items = _items(line for line in lines if line.startswith("- ") or len(line.split()) > 14)
    ranked = sorted(items, key=lambda item: not re.search(r"\d", item))
    chosen = set(ranked[:_MAX_ITEMS])
    return tuple(item for item in items if item in chosen)


def _skills(lines: list[str]) -> tuple[str, ...]:
    found: list[str] = []
    for line in lines:
        line = line.removeprefix("- ")
        label, colon, rest = line.partition(":")
        if colon and len(label) <= 30:
            line = rest
        found.extend(part.strip(" .") for part in _SKILL_SPLIT.split(line))
    return _unique(part for part in found if 0 < len(part) <= 40 and len(part.split()) <= 4)


def _items(lines: Iterable[str]) -> tuple[str, ...]:
    return _unique(_clip(line.removeprefix("- "), _MAX_ITEM_CHARS) for line in lines if line)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for item in items:
        if item:
            seen.setdefault(item.casefold(), item)
    return tuple(seen.values())


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"
