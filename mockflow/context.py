"""Interview context from the resume and job description, per stage.

Which stage uses what: the resume feeds self_intro and past_experience; the job
description feeds company_fit (and past_experience on the technical track), as each
track's `uses_resume` / `uses_jd` flags say. Text is fenced with `prompts.data_block`.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockflow.fsm import StagePlan
from mockflow.prompts import data_block

MAX_CONTEXT_CHARS = 6000


@dataclass(frozen=True)
class InterviewContext:
    resume_text: str = ""
    job_description: str = ""

    def blocks_for(self, stage: StagePlan) -> list[str]:
        """The fenced data blocks the interviewer may use in `stage`."""
        blocks = []
        if stage.uses_resume and self.resume_text.strip():
            blocks.append(data_block("resume", self.resume_text[:MAX_CONTEXT_CHARS]))
        if stage.uses_jd and self.job_description.strip():
            blocks.append(data_block("job description", self.job_description[:MAX_CONTEXT_CHARS]))
        return blocks


def build_context(resume_text: str = "", job_description: str = "") -> InterviewContext:
    return InterviewContext(resume_text=resume_text or "", job_description=job_description or "")
