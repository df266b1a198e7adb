"""The interview's finite state machine: stages, tracks, time limits, guards, transitions.

Code owns the interview's progress; the LLM may only *ask* to finish a stage. Tracks are
data (`prompts/tracks/*.toml`); this module never imports livekit and takes its clock.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources

from mockflow.errors import UnknownTrackError

STAGES = ("greeting", "self_intro", "past_experience", "company_fit", "closing")
STAGE_TITLES = {
    "greeting": "Greeting",
    "self_intro": "Self-introduction",
    "past_experience": "Past experience",
    "company_fit": "Company fit",
    "closing": "Closing",
}
DEFAULT_TIME_LIMITS = {
    "greeting": 90.0,
    "self_intro": 180.0,
    "past_experience": 300.0,
    "company_fit": 240.0,
    "closing": 60.0,
}
# A stage may be completed on the LLM's request only after this share of its time limit.
MIN_TIME_FRACTION = 0.2
# The last stage, once it has its answers, ends when less than this share of its time is
# left: a question asked then would run past the end, so the reply is the goodbye instead.
WRAP_UP_FRACTION = 0.25


@dataclass(frozen=True)
class StagePlan:
    name: str
    goal: str
    guidance: tuple[str, ...]
    time_limit: float
    min_questions: int = 1
    max_questions: int = 3
    uses_resume: bool = False
    uses_jd: bool = False
    # said when a reply is left with nothing to say; "{name}" is the candidate's first name
    fallback_questions: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return STAGE_TITLES[self.name]

    @property
    def min_seconds(self) -> float:
        return self.time_limit * MIN_TIME_FRACTION


@dataclass(frozen=True)
class Track:
    name: str
    title: str
    summary: str
    persona: str
    style: str
    stages: tuple[StagePlan, ...]
    fallback_goodbyes: tuple[str, ...] = ()  # the same, once the interview is over

    def stage(self, name: str) -> StagePlan:
        return next(s for s in self.stages if s.name == name)

    @property
    def total_seconds(self) -> float:
        return sum(s.time_limit for s in self.stages)

    def with_time_limits(self, limits: Mapping[str, float]) -> Track:
        """Return the track with some stages' limits replaced; unknown stages are ignored."""
        stages = tuple(
            replace(s, time_limit=float(limits[s.name])) if s.name in limits else s
            for s in self.stages
        )
        return replace(self, stages=stages)


@cache
def load_track(name: str) -> Track:
    """Load a track from its TOML file; raise `UnknownTrackError` if there is none."""
    if name not in TRACK_NAMES:
        raise UnknownTrackError(f"unknown track {name!r}; expected one of {', '.join(TRACK_NAMES)}")
    text = (
        resources.files("mockflow.interview.prompts")
        .joinpath("tracks", f"{name}.toml")
        .read_text("utf-8")
    )
    raw = tomllib.loads(text)
    stages = tuple(
        StagePlan(
            name=stage,
            goal=raw["stages"][stage]["goal"],
            guidance=tuple(raw["stages"][stage].get("guidance", ())),
            time_limit=float(raw["stages"][stage].get("time_limit", DEFAULT_TIME_LIMITS[stage])),
            min_questions=int(raw["stages"][stage].get("min_questions", 1)),
            max_questions=int(raw["stages"][stage].get("max_questions", 3)),
            uses_resume=bool(raw["stages"][stage].get("uses_resume", False)),
            uses_jd=bool(raw["stages"][stage].get("uses_jd", False)),
            fallback_questions=tuple(raw["stages"][stage].get("fallback_questions", ())),
        )
        for stage in STAGES
    )
    return Track(
        raw["name"],
        raw["title"],
        raw["summary"],
        raw["persona"],
        raw["style"],
        stages,
        fallback_goodbyes=tuple(raw.get("fallback_goodbyes", ())),
    )


TRACK_NAMES = ("intro_call", "behavioral", "technical")


@dataclass(frozen=True)
class Transition:
    from_stage: str | None
    to_stage: str | None  # None: the interview is over
    reason: str  # start | tool | timer | limit | skip | end
    at: float


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    transition: Transition | None = None
    refusal: str = ""


@dataclass
class _StageState:
    started_at: float
    questions: int = 0
    answers: int = 0


@dataclass
class InterviewFSM:
    """Tracks the current stage and decides when it may, or must, end."""

    track: Track
    clock: Callable[[], float] = time.monotonic
    _index: int = -1
    _state: _StageState | None = None
    history: list[Transition] = field(default_factory=list)
    _overdue: bool = False

    @property
    def stage(self) -> StagePlan | None:
        return self.track.stages[self._index] if 0 <= self._index < len(STAGES) else None

    @property
    def finished(self) -> bool:
        return self._index >= len(STAGES)

    def start(self) -> Transition:
        if self._index != -1:
            raise RuntimeError("interview already started")
        return self._move("start")

    def note_question(self) -> None:
        if self._state:
            self._state.questions += 1

    def note_answer(self) -> None:
        if self._state:
            self._state.answers += 1

    def elapsed(self) -> float:
        return self.clock() - self._state.started_at if self._state else 0.0

    def counts(self) -> tuple[int, int]:
        """(questions asked, answers received) in the current stage."""
        return (self._state.questions, self._state.answers) if self._state else (0, 0)

    def request_complete(self) -> Verdict:
        """The LLM asks to finish the stage; accepted only when the guards hold."""
        stage = self.stage
        if stage is None:
            return Verdict(False, refusal="The interview is already over.")
        _, answers = self.counts()
        if answers < stage.min_questions:
            missing = stage.min_questions - answers
            return Verdict(
                False,
                refusal=f"Not yet: the candidate has answered {answers} question(s) here; "
                f"ask {missing} more before moving on.",
            )
        if self.elapsed() < stage.min_seconds:
            return Verdict(
                False, refusal="Not yet: this topic has barely started; ask one more question."
            )
        return Verdict(True, self._move("tool"))

    def tick(self) -> bool:
        """Check the stage timer; return True once the stage has run over its limit."""
        stage = self.stage
        if stage is not None and not self._overdue and self.elapsed() >= stage.time_limit:
            self._overdue = True
        return self._overdue

    @property
    def last_stage(self) -> bool:
        return self._index == len(STAGES) - 1

    def may_wrap_up(self) -> bool:
        """Whether the interview may end with the next reply: the last stage's own question
        (the candidate's questions, in closing) has been answered."""
        stage = self.stage
        return stage is not None and self.last_stage and self.counts()[1] >= stage.min_questions

    def due_reason(self) -> str | None:
        """Why the stage must end now that the candidate has answered, if it must."""
        stage = self.stage
        if stage is None:
            return None
        if self.tick():
            return "timer"
        questions, answers = self.counts()
        if questions >= stage.max_questions and answers >= questions:
            return "limit"
        if self.may_wrap_up() and self.elapsed() >= stage.time_limit * (1 - WRAP_UP_FRACTION):
            return "timer"  # too little time left for another question and its answer
        return None

    def advance(self, reason: str) -> Transition:
        if self.finished:
            raise RuntimeError("interview already over")
        return self._move(reason)

    def skip(self) -> Transition:
        return self.advance("skip")

    def close_early(self, reason: str = "timer") -> Transition:
        """Go straight to the last stage (the interview's time is nearly up); the stages
        between are left unvisited."""
        if self.stage is None or self.last_stage:
            raise RuntimeError("no stage to leave for the closing")
        current = self.stage.name
        self._index = len(STAGES) - 2
        self._move(reason)
        transition = replace(self.history.pop(), from_stage=current)
        self.history.append(transition)
        return transition

    def end(self) -> Transition:
        """End the interview at once, from any stage."""
        current = self.stage.name if self.stage else None
        self._index = len(STAGES)
        self._state = None
        transition = Transition(current, None, "end", self.clock())
        self.history.append(transition)
        return transition

    def _move(self, reason: str) -> Transition:
        current = self.stage.name if self.stage else None
        self._index += 1
        self._overdue = False
        now = self.clock()
        self._state = _StageState(started_at=now) if not self.finished else None
        transition = Transition(current, self.stage.name if self.stage else None, reason, now)
        self.history.append(transition)
        return transition


def build_fsm(
    track_name: str,
    overrides: Mapping[str, float] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> InterviewFSM:
    track = load_track(track_name)
    if overrides:
        track = track.with_time_limits(overrides)
    return InterviewFSM(track=track, clock=clock)
