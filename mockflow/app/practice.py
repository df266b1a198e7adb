"""Practice links: a coach's link made from what the coach filled in (the Coach tab's
form and the API make it the same way), the set-up the link fixes for a candidate (who
adds only a name and, if they like, a resume), and the link's limit on minutes."""

from __future__ import annotations

from dataclasses import dataclass, field

from mockflow.app.setup import InterviewSetup, SetupError
from mockflow.app.text_limits import clean_field, too_long
from mockflow.store.db import Store
from mockflow.store.practice_links import PracticeLink

DAY = 86400.0
LINK_SETUP = ("role", "level", "track", "length", "job_description")
QUOTA_NAMES = (
    "max_interviews",
    "max_minutes_per_interview",
    "max_total_minutes",
    "max_per_candidate_per_day",
)

PRACTICE_UNAVAILABLE = (
    "This practice link cannot start interviews right now. Please tell your coach."
)


@dataclass(frozen=True)
class LinkDraft:
    """A practice link as its coach describes it; `quotas` are named by `QUOTA_NAMES`,
    a missing or None quota is no limit."""

    title: str
    interview: dict[str, str]  # the `LINK_SETUP` fields of the interview it runs
    questions: tuple[str, ...] = ()
    focus_notes: str = ""
    modes: tuple[str, ...] = ("text",)
    sponsored: bool = False
    days: float = 14
    quotas: dict[str, int | None] = field(default_factory=dict)


def create_link(store: Store, coach_id: str, draft: LinkDraft, *, now: float) -> PracticeLink:
    """Store the coach's link. Its interview is checked by the rules a candidate's own
    set-up meets, so a link never hands candidates a set-up that cannot start."""
    given = {name: str(draft.interview.get(name) or "").strip() for name in LINK_SETUP}
    setup = InterviewSetup(name="-", **{k: v for k, v in given.items() if v})
    problems = setup.problems()
    if "role" in problems and not setup.role:
        problems["role"] = "Enter the target role."
    title, questions, notes = _cleaned_words(draft, problems)
    if problems:
        raise SetupError(problems)
    unknown = set(draft.quotas) - set(QUOTA_NAMES)
    if unknown:
        raise SetupError({"quotas": f"Unknown limits: {', '.join(sorted(unknown))}."})
    return store.create_practice_link(
        coach_id,
        title=title,
        setup={name: getattr(setup, name) for name in LINK_SETUP},
        expires_at=now + float(draft.days) * DAY,
        questions=questions,
        focus_notes=notes,
        modes=list(draft.modes),
        sponsored=draft.sponsored,
        **{name: draft.quotas.get(name) for name in QUOTA_NAMES},
    )


def _cleaned_words(draft: LinkDraft, problems: dict[str, str]) -> tuple[str, list[str], str]:
    """The link's title, questions and focus notes cleaned; a value past its limit is
    added to `problems`."""
    title = clean_field("link_title", draft.title)
    questions = [clean_field("question", q) for q in draft.questions]
    notes = clean_field("focus_notes", draft.focus_notes)
    found = (
        ("title", too_long("link_title", title)),
        ("questions", next(filter(None, (too_long("question", q) for q in questions)), None)),
        ("focus_notes", too_long("focus_notes", notes)),
    )
    problems.update({name: message for name, message in found if message})
    return title, questions, notes


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
