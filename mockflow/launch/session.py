"""Per-session bookkeeping: what the supervisor knows of one interview, and its limits."""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mockflow.contracts.events import (
    EVENTS_FILE,
    EXIT_TIMELINE_UNWRITABLE,
    Timeline,
    TimelineFollower,
)
from mockflow.launch.local.forked import EXIT_UNKNOWN
from mockflow.launch.local.process import AgentProcess

State = Literal["starting", "running", "stopping", "ended"]


@dataclass(frozen=True)
class SessionHandle:
    """A started interview: where its timeline is and how the start went."""

    session_id: str
    session_dir: Path
    events_path: Path
    pid: int
    warm: bool
    start_seconds: float | None  # None: started without waiting, not ready yet


@dataclass(frozen=True)
class SessionStatus:
    """A snapshot for the UI and the health endpoint."""

    session_id: str
    state: State
    pid: int | None
    end_reason: str | None
    exit_code: int | None
    seconds_running: float
    seconds_since_event: float


@dataclass
class TrackedSession:
    """What every runner knows of one interview; `lock` guards the end of its life.
    A runner's own record extends it (`Session` here, `RemoteSession` for dispatch)."""

    session_id: str
    session_dir: Path
    started_at: float
    state: State = "starting"
    last_event_at: float = 0.0
    ended_seen: str | None = None  # the `ended` reason its timeline holds
    stop_reason: str | None = None
    stop_message: str = ""  # why the app ended it in error, for the timeline
    end_reason: str | None = None
    exit_code: int | None = None  # None: still running, or not known (a remote worker)
    lock: threading.RLock = field(default_factory=threading.RLock)
    follower: TimelineFollower = field(init=False)

    def __post_init__(self) -> None:
        self.follower = TimelineFollower(self.events_path)
        self.last_event_at = self.started_at

    @property
    def events_path(self) -> Path:
        return self.session_dir / EVENTS_FILE

    @property
    def pid(self) -> int | None:
        return None

    def read_events(self, now: float) -> list[dict[str, Any]]:
        """Events appended since the last call; notes activity and a written `ended`."""
        events = self.follower.poll()
        if events:
            self.last_event_at = now
            self._noted(self.follower.timeline, now)
        return events

    def _noted(self, timeline: Timeline, now: float) -> None:
        if self.ended_seen is None:
            self.ended_seen = timeline.ended_reason

    def request_stop(self, reason: str, message: str = "") -> None:
        """Record why the app ends it (the first reason wins); a message only for "error"."""
        with self.lock:
            if self.stop_reason is None:
                self.stop_reason = reason
                self.stop_message = message if reason == "error" else ""

    def status(self, now: float) -> SessionStatus:
        return SessionStatus(
            session_id=self.session_id,
            state=self.state,
            pid=self.pid,
            end_reason=self.end_reason,
            exit_code=self.exit_code,
            seconds_running=now - self.started_at,
            seconds_since_event=now - self.last_event_at,
        )


@dataclass
class Session(TrackedSession):
    """A local agent process's interview."""

    proc: AgentProcess | None = None
    warm: bool = False
    forked: bool = False
    ended_seen_at: float | None = None  # when `ended` was read: the exit's grace starts

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def _noted(self, timeline: Timeline, now: float) -> None:
        if self.ended_seen is None and timeline.ended_reason is not None:
            self.ended_seen, self.ended_seen_at = timeline.ended_reason, now


def limit_reason(
    *,
    now: float,
    started_at: float,
    last_event_at: float,
    max_session_seconds: float,
    idle_timeout_seconds: float,
) -> str | None:
    """Which limit the session has passed ("max_duration" or "idle"); a limit ≤ 0 is off."""
    if max_session_seconds > 0 and now - started_at >= max_session_seconds:
        return "max_duration"
    if idle_timeout_seconds > 0 and now - last_event_at >= idle_timeout_seconds:
        return "idle"
    return None


def describe_exit(code: int | None) -> str:
    """Exit status in words for an error message: "exit code 1" / "killed by SIGKILL"."""
    if code is None:
        return "still running"
    if code == EXIT_UNKNOWN:
        return "exit status unknown: its fork server had stopped"
    if code == EXIT_TIMELINE_UNWRITABLE:
        return "it could not record the interview: the server's disk is full or read-only"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
