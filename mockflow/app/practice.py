"""Interviews through a coach's practice link: the set-up the link fixes (the candidate
adds only a name and, if they like, a resume), and the link's limit on minutes."""

from __future__ import annotations

from mockflow.app.setup import InterviewSetup, SetupError
from mockflow.store.practice_links import PracticeLink

PRACTICE_UNAVAILABLE = (
    "This practice link cannot start interviews right now. Please tell your coach."
)


def practice_setup(
    link: PracticeLink, *, name: str, resume_text: str = "", mode: str | None = None
) -> InterviewSetup:
    """The link's interview for this candidate; a mode the link does not offer is refused."""
    mode = mode or link.modes[0]
    if mode not in link.modes:
        offered = " or ".join(link.modes)
        raise SetupError({"mode": f"This practice link offers {offered} interviews only."})
    fixed = link.setup
    return InterviewSetup(
        name=name,
        role=str(fixed.get("role", "")),
        level=str(fixed.get("level", "mid")),
        track=str(fixed.get("track", "behavioral")),
        length=str(fixed.get("length", "standard")),
        mode=mode,
        resume_text=resume_text,
        job_description=str(fixed.get("job_description", "")),
    )


def within_minutes(limits: dict[str, float], minutes: int | None) -> dict[str, float]:
    """Stage time limits shrunk in proportion so that together they fit `minutes`."""
    total = sum(limits.values())
    if minutes is None or total <= minutes * 60:
        return limits
    scale = minutes * 60 / total
    return {stage: round(seconds * scale, 1) for stage, seconds in limits.items()}
