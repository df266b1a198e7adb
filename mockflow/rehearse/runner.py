"""Runs rehearsal interviews through the real `Supervisor`, several at a time.

One interview: build the launch spec as the app does (`launch`), start the agent, then
follow `events.jsonl` and answer each interviewer turn with the candidate's next move
once the previous answer has been committed. Waiting is bounded twice over:

- `reply_timeout`: when the interviewer says nothing for that long after an answer (an
  empty model reply writes no turn), the candidate sends its persona's `nudge`, as a
  person would; the grader counts the unanswered answer as a silent turn.
- `timeout`: the whole interview from its `ready` handshake (the start itself is bounded
  by the supervisor's ready timeout); past it the interview is ended with reason
  `timeout` and reported as `timed_out`, so a stuck interview is reported, never waited
  on forever.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockflow.app.setup import MAX_ANSWER_CHARS
from mockflow.contracts.events import Timeline, TimelineFollower, read_events
from mockflow.errors import MockflowError
from mockflow.launch import SessionHandle, SessionNotFoundError, SlotsBusyError, Supervisor
from mockflow.rehearse.candidate import Candidate
from mockflow.rehearse.endpoint import Endpoint
from mockflow.rehearse.grader import InterviewMetrics, grade
from mockflow.rehearse.launch import build_spec, setup_for, write_meta
from mockflow.rehearse.personas import Material, Persona

log = logging.getLogger("mockflow.rehearse")
POLL_SECONDS = 0.05
EXIT_WAIT_SECONDS = 20.0


@dataclass(frozen=True)
class Job:
    persona: Persona
    track: str
    run: int


@dataclass(frozen=True)
class RunOptions:
    endpoint: Endpoint
    material: Material
    stage_scale: float
    timeout: float = 900.0
    reply_timeout: float = 60.0


@dataclass(frozen=True)
class InterviewResult:
    persona: str
    track: str
    run: int
    session_id: str
    seconds: float
    timed_out: bool
    error: str | None
    metrics: InterviewMetrics
    judge: dict[str, Any] | None = None
    events: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON record of the interview (no transcript, no key)."""
        return {
            "persona": self.persona,
            "track": self.track,
            "run": self.run,
            "session_id": self.session_id,
            "seconds": round(self.seconds, 2),
            "timed_out": self.timed_out,
            "error": self.error,
            "turns": len(Timeline.of(self.events).turns),
            "metrics": self.metrics.to_dict(),
            "judge": self.judge,
        }


CandidateFactory = Callable[[Persona], Candidate]
Finish = Callable[[InterviewResult], InterviewResult]


def run_all(
    supervisor: Supervisor,
    jobs: Sequence[Job],
    options: RunOptions,
    make_candidate: CandidateFactory,
    *,
    concurrency: int = 3,
    finish: Finish | None = None,
    on_result: Callable[[InterviewResult], None] | None = None,
) -> list[InterviewResult]:
    """Run every job, `concurrency` at a time; results in the order of `jobs`.

    On an interrupt (Ctrl-C) the interviews under way are ended, the rest never start."""
    lock = threading.Lock()
    stop = threading.Event()

    def one(job: Job) -> InterviewResult:
        candidate = make_candidate(job.persona)
        result = run_interview(supervisor, job, options, candidate, stop=stop)
        if finish is not None:
            result = finish(result)
        if on_result is not None:
            with lock:
                on_result(result)
        return result

    ex = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="rehearse")
    try:
        return list(ex.map(one, jobs))
    except BaseException:
        stop.set()
        raise
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


def run_interview(
    supervisor: Supervisor,
    job: Job,
    options: RunOptions,
    candidate: Candidate,
    *,
    stop: threading.Event | None = None,
) -> InterviewResult:
    """Run one interview to its end; every failure is reported in the result."""
    session_id = f"rh_{job.persona.name}_{job.track}_{job.run}_{secrets.token_hex(3)}"
    session_dir = supervisor.settings.sessions_dir / session_id
    setup = setup_for(job.persona, options.material, job.track)
    spec = build_spec(session_dir, setup, options.endpoint, options.stage_scale)
    write_meta(session_dir, setup)
    started = time.monotonic()
    conversation = Conversation(supervisor, session_id, candidate, options, stop)
    try:
        handle = _start(supervisor, spec, started + options.timeout)
    except MockflowError as exc:
        conversation.error = str(exc)
    else:
        conversation.follow(handle.events_path)
    _wait_for_exit(supervisor, session_id)
    events = _read(session_dir)
    return InterviewResult(
        persona=job.persona.name,
        track=job.track,
        run=job.run,
        session_id=session_id,
        seconds=time.monotonic() - started,
        timed_out=conversation.timed_out,
        error=conversation.error,
        metrics=grade(events, spec, injection_canaries=job.persona.injection_canaries),
        events=events,
    )


class Conversation:
    """The candidate's side of one running interview (see the module docstring)."""

    def __init__(
        self,
        supervisor: Supervisor,
        session_id: str,
        candidate: Candidate,
        options: RunOptions,
        stop: threading.Event | None = None,
    ) -> None:
        self.supervisor = supervisor
        self._stop = stop
        self.session_id = session_id
        self.candidate = candidate
        self.options = options
        self.turns: list[dict[str, Any]] = []
        self.timed_out = False
        self.error: str | None = None
        self._sent = 0
        self._answered = 0  # turns already acted on
        self._ending = False

    def follow(self, events_path: Path) -> None:
        follower = TimelineFollower(events_path)
        self.turns = follower.timeline.turns
        waiting_since = time.monotonic()
        deadline = waiting_since + self.options.timeout
        while True:
            seen = len(self.turns)
            follower.poll()
            if len(self.turns) > seen:
                waiting_since = time.monotonic()
            if follower.timeline.ended is not None or self._gone():
                return
            now = time.monotonic()
            if self._stop is not None and self._stop.is_set() and not self._ending:
                self.error = "interrupted"
                self._end("user_ended")
            elif now >= deadline and not self.timed_out:
                self.timed_out = True
                self._end("timeout")
            elif self._may_act() and self._act(now - waiting_since):
                waiting_since = time.monotonic()
            time.sleep(POLL_SECONDS)

    def _may_act(self) -> bool:
        """Not ending, and every answer sent so far is in the timeline (a reply comes next)."""
        committed = sum(t.get("role") == "candidate" for t in self.turns) >= self._sent
        return committed and not (self._ending or self.timed_out)

    def _act(self, waited: float) -> bool:
        """Answer a new interviewer turn, or nudge after silence; True if something was sent."""
        last = self.turns[-1] if self.turns else None
        if (
            last is not None
            and last.get("role") == "interviewer"
            and len(self.turns) > self._answered
        ):
            self._answered = len(self.turns)
            try:
                move = self.candidate.next_move(last, self.turns)
            except MockflowError as exc:
                self.error = f"the simulated candidate failed: {exc}"
                self._end("user_ended")
                return False
            if move.end:
                self._end("user_ended")
                return False
            return self._say(move.text)
        if waited >= self.options.reply_timeout:
            return self._say(self.candidate.persona.nudge)
        return False

    def _say(self, text: str) -> bool:
        try:
            self.supervisor.send(
                self.session_id, {"type": "user_text", "text": text[:MAX_ANSWER_CHARS]}
            )
        except SessionNotFoundError:
            return False  # it has just ended; the loop reads the `ended` event next
        self._sent += 1
        return True

    def _end(self, reason: str) -> None:
        self._ending = True
        with contextlib.suppress(SessionNotFoundError):
            self.supervisor.end(self.session_id, reason)

    def _gone(self) -> bool:
        try:
            return self.supervisor.status(self.session_id).state == "ended"
        except SessionNotFoundError:
            return True


def _start(supervisor: Supervisor, spec: dict[str, Any], deadline: float) -> SessionHandle:
    """Start the interview, waiting for a free slot until `deadline`."""
    while True:
        try:
            return supervisor.start(spec)
        except SlotsBusyError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def _wait_for_exit(supervisor: Supervisor, session_id: str) -> None:
    deadline = time.monotonic() + EXIT_WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            if supervisor.status(session_id).state == "ended":
                return
        except SessionNotFoundError:
            return
        time.sleep(POLL_SECONDS)
    log.warning("session %s: agent still running after the rehearsal ended", session_id)


def _read(session_dir: Path) -> list[dict[str, Any]]:
    try:
        return read_events(session_dir)
    except MockflowError:
        return []
