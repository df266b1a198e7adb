"""What both runners keep the same way: the slots, the session table, the finished list,
the monitor loop, lookups and the end-of-session callback.

A runner (`mockflow.launch.runner`) decides how an interview is served (a local agent
process, or a LiveKit worker through a dispatch) and owns its session records; the
`Registry` holds those records: it reserves a slot for each start (refusing a session that
already has a timeline or is already running, and any start once closing), keeps the
ended ones for status queries (the newest `FINISHED_KEPT`), runs the runner's per-session
`check` every `monitor_interval` s on its own thread, and calls `on_session_end` for it.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

from mockflow.contracts.commands import RELAYED_COMMANDS
from mockflow.contracts.events import EVENTS_FILE
from mockflow.launch.errors import (
    SHUTTING_DOWN,
    SessionNotFoundError,
    SessionStartError,
    SlotsBusyError,
)
from mockflow.launch.session import TrackedSession
from mockflow.private_files import make_private_dir

log = logging.getLogger("mockflow.launch")

FINISHED_KEPT = 200

SessionEndCallback = Callable[[str, str], None]


S = TypeVar("S", bound=TrackedSession)


class Registry(Generic[S]):
    """The session table of one runner (see the module docstring); thread-safe."""

    def __init__(
        self,
        max_sessions: int,
        check: Callable[[S], None],
        *,
        monitor_interval: float,
        on_session_end: SessionEndCallback | None = None,
        tick: Callable[[], None] | None = None,
        name: str = "monitor",
    ) -> None:
        self.lock = threading.RLock()
        self.closing = False
        self._max = max_sessions
        self._check = check
        self._tick = tick
        self._interval = monitor_interval
        self._on_session_end = on_session_end
        self._sessions: dict[str, S] = {}
        self._finished: OrderedDict[str, S] = OrderedDict()
        self._stop = threading.Event()
        self._monitor = threading.Thread(target=self._loop, name=name, daemon=True)
        self._monitor.start()

    def reserve(self, session_id: str, session_dir: Path, make: Callable[[], S]) -> S:
        """A slot for a new session (made by `make`), or the reason there is none."""
        events = session_dir / EVENTS_FILE
        if events.exists() and events.stat().st_size:
            raise ValueError(f"session {session_id} already has a timeline")
        with self.lock:
            if self.closing:
                raise SessionStartError(SHUTTING_DOWN)
            if session_id in self._sessions:
                raise ValueError(f"session {session_id} is already running")
            if len(self._sessions) >= self._max:
                raise SlotsBusyError()
            session = self._sessions[session_id] = make()
        make_private_dir(session_dir)
        return session

    def adopt(self, session: S) -> bool:
        """Hold a slot for a session already under way (False if taken or all busy)."""
        with self.lock:
            if session.session_id in self._sessions or len(self._sessions) >= self._max:
                return False
            self._sessions[session.session_id] = session
            return True

    def retire(self, session: S) -> None:
        """Free the session's slot; it stays findable among the finished."""
        with self.lock:
            self._sessions.pop(session.session_id, None)
            self._finished[session.session_id] = session
            while len(self._finished) > FINISHED_KEPT:
                self._finished.popitem(last=False)

    def live(self, session_id: str) -> S:
        with self.lock:
            session = self._sessions.get(session_id)
        if session is None:
            raise SessionNotFoundError(session_id)
        return session

    def command_target(self, session_id: str, command: Mapping[str, Any]) -> S | None:
        """The running session a contract-2 command is relayed to; None for `end`, which
        is the runner's own `end()`. An unknown command type is a `ValueError`."""
        kind = command.get("type")
        if kind == "end":
            return None
        if kind not in RELAYED_COMMANDS:
            raise ValueError(f"unknown command type {kind!r}")
        session = self.live(session_id)
        if session.state != "running":
            raise SessionNotFoundError(session_id)
        return session

    def find(self, session_id: str) -> S:
        with self.lock:
            session = self._sessions.get(session_id) or self._finished.get(session_id)
        if session is None:
            raise SessionNotFoundError(session_id)
        return session

    def active(self) -> list[S]:
        """Sessions holding a slot (starting, running or stopping)."""
        with self.lock:
            return list(self._sessions.values())

    def begin_close(self) -> list[S] | None:
        """Refuse new starts and stop the monitor; the sessions then holding a slot, or
        None when closing had already begun."""
        with self.lock:
            if self.closing:
                return None
            self.closing = True
            sessions = list(self._sessions.values())
        self._stop.set()
        self._monitor.join(5.0)
        return sessions

    def notify(self, session_id: str, reason: str) -> None:
        if self._on_session_end is None:
            return
        try:
            self._on_session_end(session_id, reason)
        except Exception:
            log.exception("on_session_end failed for session %s", session_id)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            if self._tick is not None:
                try:
                    self._tick()
                except Exception:
                    log.exception("monitor: tick failed")
            for session in self.active():
                try:
                    self._check(session)
                except Exception:
                    log.exception("monitor: check of session %s failed", session.session_id)
