"""What the app knows of one dispatched interview, and the wait for its worker's `ready`.

`RemoteSession` is the Dispatcher's record of an interview that a worker on some machine
serves: its room, its state, and what its timeline said so far (the app's listener writes
`events.jsonl` from what the worker sends; this reads it, every 20 ms while it waits).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mockflow.contracts.events import Timeline
from mockflow.launch.errors import SHUTTING_DOWN, SessionStartError
from mockflow.launch.local.redact import safe_line
from mockflow.launch.session import SessionHandle, TrackedSession

NO_WORKER = (
    "No MockFlow worker picked up the interview within {timeout:g} s. Is `python "
    "agent_entry.py worker` running with the same LiveKit project?"
)
STOPPED_EARLY = "The interviewer stopped before the interview began."
WORKER_GONE = "The interviewer stopped unexpectedly: its worker went away."
ENDED_DURING_START = "The interview was ended before it began."
POLL = 0.02


@dataclass
class RemoteSession(TrackedSession):
    """A dispatched interview; `lock` guards its state and its tail."""

    room: str = field(kw_only=True)
    secrets: list[str] = field(repr=False, default_factory=list)
    notify: bool = False  # whether its end reaches on_session_end
    ready_at: float | None = None
    heard: bool = False  # the worker wrote something
    worker_error: str | None = None
    presence_checked_at: float = 0.0
    agent_missing_since: float | None = None  # the worker's agent was not in the room
    beat: str | None = None  # the worker's heartbeat counter, as last read
    beat_changed_at: float = 0.0
    done: threading.Event = field(default_factory=threading.Event)

    def read_events(self, now: float) -> list[dict[str, Any]]:
        """Events the worker appended since the last call; notes ready, errors and ended."""
        with self.lock:
            return super().read_events(now)

    def _noted(self, timeline: Timeline, now: float) -> None:
        self.heard = True
        if timeline.ready is not None and self.ready_at is None:
            self.ready_at = now
        if (error := timeline.fatal_error) is not None:
            self.worker_error = safe_line(error, self.secrets)
        super()._noted(timeline, now)

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
