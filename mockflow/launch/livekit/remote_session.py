"""What the app knows of one dispatched interview, and the wait for its worker's `ready`.

`RemoteSession` is the Dispatcher's record of an interview that a worker on some machine
serves: its room, its state, and what its timeline said so far (the worker writes
`events.jsonl`; the app only reads it, polling every 20 ms while it waits on it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mockflow.contracts.events import EVENTS_FILE, TimelineFollower
from mockflow.launch.errors import SHUTTING_DOWN, SessionStartError
from mockflow.launch.local.redact import safe_line
from mockflow.launch.session import SessionHandle, SessionStatus

State = Literal["starting", "running", "stopping", "ended"]
NO_WORKER = (
    "No MockFlow worker picked up the interview within {timeout:g} s. Is `python "
    "agent_entry.py worker` running with the same LiveKit project and data folder?"
)
STOPPED_EARLY = "The interviewer stopped before the interview began."
WORKER_GONE = "The interviewer stopped unexpectedly: its worker went away."
ENDED_DURING_START = "The interview was ended before it began."
POLL = 0.02


@dataclass
class RemoteSession:
    """Mutable record of one dispatched interview; `lock` guards its state and its tail."""

    session_id: str
    session_dir: Path
    room: str
    started_at: float
    secrets: list[str] = field(repr=False, default_factory=list)
    state: State = "starting"
    notify: bool = False  # whether its end reaches on_session_end
    ready_at: float | None = None
    last_event_at: float = 0.0
    heard: bool = False  # the worker wrote something
    worker_error: str | None = None
    ended_seen: str | None = None
    stop_reason: str | None = None
    stop_message: str = ""  # why the app ended it in error, for the timeline
    end_reason: str | None = None
    presence_checked_at: float = 0.0
    agent_missing_since: float | None = None  # the worker's agent was not in the room
    beat: str | None = None  # the worker's heartbeat counter, as last read
    beat_changed_at: float = 0.0
    lock: threading.RLock = field(default_factory=threading.RLock)
    done: threading.Event = field(default_factory=threading.Event)
    follower: TimelineFollower = field(init=False)

    def __post_init__(self) -> None:
        self.follower = TimelineFollower(self.events_path)
        self.last_event_at = self.started_at

    @property
    def events_path(self) -> Path:
        return self.session_dir / EVENTS_FILE

    def read_events(self, now: float) -> list[dict[str, Any]]:
        """Events the worker appended since the last call; notes ready, errors and ended."""
        with self.lock:
            events = self.follower.poll()
            if not events:
                return events
            self.heard, self.last_event_at = True, now
            timeline = self.follower.timeline
            if timeline.ready is not None and self.ready_at is None:
                self.ready_at = now
            if (error := timeline.fatal_error) is not None:
                self.worker_error = safe_line(error, self.secrets)
            if self.ended_seen is None:
                self.ended_seen = timeline.ended_reason
            return events

    def request_stop(self, reason: str, message: str = "") -> None:
        """Record why the app ends it (the first reason wins); a message only for "error"."""
        with self.lock:
            if self.stop_reason is None:
                self.stop_reason = reason
                self.stop_message = message if reason == "error" else ""

    def begin_stop(self, reason: str, message: str = "") -> bool:
        """Mark a running session as stopping; False if it is not running."""
        with self.lock:
            if self.state != "running":
                return False
            self.state = "stopping"
            self.request_stop(reason, message)
            return True

    def wait_for_ended(self, grace: float, clock: Callable[[], float]) -> bool:
        """Whether the worker writes `ended` (or the session ends) within `grace` s."""
        deadline = time.monotonic() + grace
        while True:
            self.read_events(clock())
            if self.ended_seen is not None or self.state == "ended":
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL)

    def handle(self) -> SessionHandle:
        """The Supervisor's handle; pid 0: the worker process is on another machine."""
        ready = self.ready_at
        return SessionHandle(
            session_id=self.session_id,
            session_dir=self.session_dir,
            events_path=self.events_path,
            pid=0,
            warm=False,
            start_seconds=None if ready is None else ready - self.started_at,
        )

    def status(self, now: float) -> SessionStatus:
        return SessionStatus(
            session_id=self.session_id,
            state=self.state,
            pid=None,
            end_reason=self.end_reason,
            exit_code=None,
            seconds_running=now - self.started_at,
            seconds_since_event=now - self.last_event_at,
        )


def await_worker_ready(
    session: RemoteSession,
    *,
    timeout: float,
    clock: Callable[[], float],
    closing: Callable[[], bool],
) -> None:
    """Return once the worker wrote `ready`; raise `SessionStartError` on anything else:
    the worker's own fatal error or `ended`, an `end()` meanwhile, shutdown, the timeout."""
    deadline = session.started_at + timeout
    while True:
        now = clock()
        session.read_events(now)
        if session.ready_at is not None:
            return
        if session.ended_seen is not None or session.worker_error is not None:
            raise SessionStartError(session.worker_error or STOPPED_EARLY)
        if session.stop_reason is not None:
            raise SessionStartError(ENDED_DURING_START)
        if closing():
            raise SessionStartError(SHUTTING_DOWN)
        if now >= deadline:
            raise SessionStartError(NO_WORKER.format(timeout=timeout))
        time.sleep(POLL)
