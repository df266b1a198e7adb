"""Interview context from the resume and job description, per stage.

Which stage uses what: the resume feeds self_intro and past_experience; the job
description feeds company_fit (and past_experience on the technical track), as each
track's `uses_resume` / `uses_jd` flags say. Text is fenced with `prompts.data_block`.

A document that fits the context budget is given whole. A longer one is given as the
facts extracted deterministically from all of it (`documents.facts`: summary, roles,
notable work and skills; title, responsibilities, requirements and key terms), then
either a summary by an optional `Summarizer` (an LLM call behind a one-method seam,
cached per document hash so a session pays once; the default is none) or the start of
the text.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Protocol

from mockflow.documents.facts import JobFacts, ResumeFacts, job_facts, resume_facts
from mockflow.documents.normalize import normalize_text
from mockflow.documents.terms import key_terms
from mockflow.errors import MockflowError
from mockflow.interview.fsm import StagePlan
from mockflow.interview.prompts import data_block

MAX_CONTEXT_CHARS = 6000
log = logging.getLogger(__name__)


class Summarizer(Protocol):
    """Turns a long document into a shorter one; may raise `MockflowError`."""

    def __call__(self, text: str) -> str: ...


@dataclass(frozen=True)
class InterviewContext:
    resume_text: str = ""
    job_description: str = ""
    resume: ResumeFacts | None = None  # filled from resume_text when not given
    job: JobFacts | None = None  # filled from job_description when not given
    resume_summary: str = ""
    job_summary: str = ""

    def __post_init__(self) -> None:
        if self.resume is None:
            object.__setattr__(self, "resume", resume_facts(self.resume_text))
        if self.job is None:
            object.__setattr__(self, "job", job_facts(self.job_description))

    def blocks_for(self, stage: StagePlan) -> list[str]:
        """The fenced data blocks the interviewer may use in `stage`."""
        blocks = []
        if stage.uses_resume and self.resume_text.strip():
            body = _resume_body(self.resume or ResumeFacts(), self.resume_text, self.resume_summary)
            blocks.append(data_block("resume", body))
        if stage.uses_jd and self.job_description.strip():
            body = _job_body(self.job or JobFacts(), self.job_description, self.job_summary)
            blocks.append(data_block("job description", body))
        return blocks


def build_context(
    resume_text: str = "",
    job_description: str = "",
    *,
    summarize: Summarizer | None = None,
    summaries: MutableMapping[str, str] | None = None,
) -> InterviewContext:
    """The context of one interview; `summaries` is the session's cache of summaries."""
    resume_text = normalize_text(resume_text or "")
    job_description = normalize_text(job_description or "")
    cache = summaries if summaries is not None else {}
    return InterviewContext(
        resume_text=resume_text,
        job_description=job_description,
        resume_summary=summarize_long(resume_text, summarize, cache),
        job_summary=summarize_long(job_description, summarize, cache),
    )


def jd_key_terms(job_description: str) -> list[str]:
    """The tools, technologies and topics a job description names, first mention first."""
    return key_terms(normalize_text(job_description or ""))


def document_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def summarize_long(text: str, summarize: Summarizer | None, cache: MutableMapping[str, str]) -> str:
    """A summary of `text` if it is too long to quote whole and a summarizer is given."""
    if summarize is None or len(text) <= MAX_CONTEXT_CHARS:
        return ""
    key = document_hash(text)
    if key not in cache:
        try:
            cache[key] = summarize(text).strip()
        except MockflowError as exc:
            log.warning("document summary failed, using extracted facts only: %s", exc)
            return ""
    return cache[key]


def _resume_body(facts: ResumeFacts, text: str, summary: str) -> str:
    sections = [
        _section("Summary in the candidate's words", facts.summary),
        _list("Roles", facts.roles),
        _list("Notable work, in the candidate's words", facts.highlights),
        _section("Skills", ", ".join(facts.skills)),
    ]
    return _with_text(sections, text, summary)


def _job_body(facts: JobFacts, text: str, summary: str) -> str:
    sections = [
        _section("Title", facts.title),
        _list("Responsibilities", facts.responsibilities),
        _list("Requirements", facts.requirements),
        _section("Key terms", ", ".join(facts.key_terms)),
    ]
    return _with_text(sections, text, summary)


def _with_text(sections: list[str], text: str, summary: str) -> str:
    """The whole text when it fits. Otherwise the facts extracted from all of it, then the
    summary, or as much of the text as the room left allows."""
    if not summary and len(text) <= MAX_CONTEXT_CHARS:
        return text
    head = "\n\n".join(section for section in sections if section)
    label, body = ("Summary of the full text", summary) if summary else ("Start of the text", text)
    room = MAX_CONTEXT_CHARS - len(head) - len(label) - 4
    if len(body) > room:
        body = body[: max(room, 0)].rsplit(" ", 1)[0] + " [...]"
    return f"{head}\n\n{label}:\n{body.strip()}".strip()


def _section(title: str, value: str) -> str:
    return f"{title}: {value}" if value else ""


def _list(title: str, items: tuple[str, ...]) -> str:
    return f"{title}:\n" + "\n".join(f"- {item}" for item in items) if items else ""
