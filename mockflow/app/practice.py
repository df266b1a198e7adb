"""Practice links: a coach's link made from what the coach filled in (the Coach tab's
form and the API make it the same way), the set-up the link fixes for a candidate (who
adds only a name and, if they like, a resume), and the link's hold on an interview's
time (`time_budget`: the minutes the store granted it, as a hard end)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mockflow.app.setup import InterviewSetup, SetupError
from mockflow.app.text_limits import clean_field, too_long
from mockflow.contracts.events import Timeline
from mockflow.contracts.launch_spec import TimeBudget
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

# a link's hold on a running interview (issue 25), in the link's minutes
CLOSING_MINUTES = 1.0  # the interviewer closes this long before the granted end
SPONSORED_IDLE_MINUTES = 2.0  # a question unanswered this long ends a sponsored interview
OVERRUN_GRACE_MINUTES = 0.5  # past its end by this much, the app stops the interview

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


def time_budget(
    link: PracticeLink, granted_minutes: float | None, minute_seconds: float = 60.0
) -> TimeBudget | None:
    """The hold a link's interview runs under: its `granted_minutes` (the store's grant)
    as a hard end, with the closing begun a minute before (a quarter of a short grant);
    on a sponsored link, a candidate who leaves a question unanswered for
    `SPONSORED_IDLE_MINUTES` is ended. `minute_seconds`: a minute's length (tests
    shorten it). None: neither applies."""
    idle = SPONSORED_IDLE_MINUTES * minute_seconds if link.sponsored else None
    if granted_minutes is None and idle is None:
        return None
    seconds = granted_minutes * minute_seconds if granted_minutes is not None else None
    closing = min(CLOSING_MINUTES * minute_seconds, (seconds or 0.0) / 4)
    return TimeBudget(seconds=seconds, closing_seconds=closing, idle_seconds=idle)


def overrun_after(budget: TimeBudget | None, minute_seconds: float = 60.0) -> float | None:
    """Seconds after the start when the app ends an interview the agent has not ended
    at its budget (a hung agent); None: no hard end."""
    if budget is None or budget.seconds is None:
        return None
    return budget.seconds + OVERRUN_GRACE_MINUTES * minute_seconds


def ran_seconds(timeline: Timeline, fallback: float) -> float:
    """How long an interview ran, by its own timeline: its first event to `ended` (the
    agent process's exit after that is not the link's time); `fallback` without them."""
    if timeline.first_t is None or timeline.ended is None:
        return fallback
    ended_t = timeline.ended.get("t")
    if not isinstance(ended_t, int | float) or ended_t < timeline.first_t:
        return fallback
    return float(ended_t) - timeline.first_t


def within_seconds(limits: dict[str, float], seconds: float | None) -> dict[str, float]:
    """Stage time limits shrunk in proportion so that together they fit `seconds`."""
    total = sum(limits.values())
    if seconds is None or total <= seconds:
        return limits
    scale = seconds / total
    return {stage: round(seconds * scale, 1) for stage, seconds in limits.items()}
