"""Interview context from the resume and job description, per stage.

Which stage uses what: the resume feeds self_intro and past_experience; the job
description feeds company_fit (and past_experience on the technical track), as each
track's `uses_resume` / `uses_jd` flags say. Text is fenced with `prompts.data_block`.

A document that fits the context budget is given whole. A longer one is given as the
facts extracted deterministically from all of it (`interview.facts`: summary, roles,
notable work and skills; title, responsibilities, requirements and key terms), then the
start of the text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from mockflow.interview.facts import JobFacts, ResumeFacts, job_facts, resume_facts
from mockflow.interview.fsm import StagePlan
from mockflow.interview.normalize import normalize_text
from mockflow.interview.prompts import data_block
from mockflow.interview.terms import key_terms

MAX_CONTEXT_CHARS = 6000
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InterviewContext:
    resume_text: str = ""
    job_description: str = ""
    resume: ResumeFacts | None = None  # filled from resume_text when not given
    job: JobFacts | None = None  # filled from job_description when not given

    def __post_init__(self) -> None:
        if self.resume is None:
            object.__setattr__(self, "resume", resume_facts(self.resume_text))
        if self.job is None:
            object.__setattr__(self, "job", job_facts(self.job_description))

    def blocks_for(self, stage: StagePlan) -> list[str]:
        """The fenced data blocks the interviewer may use in `stage`."""
        blocks = []
        if stage.uses_resume and self.resume_text.strip():
            body = _resume_body(self.resume or ResumeFacts(), self.resume_text)
            blocks.append(data_block("resume", body))
        if stage.uses_jd and self.job_description.strip():
            body = _job_body(self.job or JobFacts(), self.job_description)
            blocks.append(data_block("job description", body))
        return blocks


def build_context(resume_text: str = "", job_description: str = "") -> InterviewContext:
    """The context of one interview."""
    return InterviewContext(
        resume_text=normalize_text(resume_text or ""),
        job_description=normalize_text(job_description or ""),
    )


def jd_key_terms(job_description: str) -> list[str]:
    """The tools, technologies and topics a job description names, first mention first."""
    return key_terms(normalize_text(job_description or ""))


def _resume_body(facts: ResumeFacts, text: str) -> str:
    sections = [
        _section("Summary in the candidate's words", facts.summary),
        _list("Roles", facts.roles),
        _list("Notable work, in the candidate's words", facts.highlights),
        _section("Skills", ", ".join(facts.skills)),
    ]
    return _with_text(sections, text)


def _job_body(facts: JobFacts, text: str) -> str:
    sections = [
        _section("Title", facts.title),
        _list("Responsibilities", facts.responsibilities),
        _list("Requirements", facts.requirements),
        _section("Key terms", ", ".join(facts.key_terms)),
    ]
    return _with_text(sections, text)


def _with_text(sections: list[str], text: str) -> str:
    """The whole text when it fits. Otherwise the facts extracted from all of it, then as
    much of the start of the text as the room left allows."""
    if len(text) <= MAX_CONTEXT_CHARS:
        return text
    head = "\n\n".join(section for section in sections if section)
    label, body = "Start of the text", text
    room = MAX_CONTEXT_CHARS - len(head) - len(label) - 4
    if len(body) > room:
        body = body[: max(room, 0)].rsplit(" ", 1)[0] + " [...]"
    return f"{head}\n\n{label}:\n{body.strip()}".strip()


def _section(title: str, value: str) -> str:
    return f"{title}: {value}" if value else ""


def _list(title: str, items: tuple[str, ...]) -> str:
    return f"{title}:\n" + "\n".join(f"- {item}" for item in items) if items else ""
