"""Whether the worker serving a dispatched interview is still there.

Two signs, checked on each monitor tick: the heartbeat file (`contracts.job`), which the
app's timeline listener rewrites with each beat the worker sends over the room, stopped
changing for `HEARTBEAT_STALE_SECONDS`, or the room has had no
agent participant for `AGENT_GONE_SECONDS` (asked every `PRESENCE_SECONDS`; a LiveKit
server that does not answer proves nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from mockflow.contracts.job import HEARTBEAT_FILE, read_beat
from mockflow.errors import MockflowError
from mockflow.launch.livekit.dispatch import LiveKitRooms
from mockflow.launch.livekit.remote_session import RemoteSession

PRESENCE_SECONDS = 2.0  # how often a running interview's room is checked for its agent
AGENT_GONE_SECONDS = 4.0  # no agent in the room this long: the worker is gone
HEARTBEAT_STALE_SECONDS = 5.0  # an unchanged heartbeat this long: the worker is gone

T = TypeVar("T")
Call = Callable[[Coroutine[Any, Any, Any]], Any]


class WorkerWatch:
    """Tells a running session whose worker went away (see the module docstring)."""

    def __init__(self, rooms: LiveKitRooms, call: Call) -> None:
        self._rooms = rooms
        self._call = call  # runs a livekit-api coroutine on the dispatcher's loop

    def gone(self, session: RemoteSession, now: float) -> bool:
        return self._heartbeat_stopped(session, now) or self._agent_absent(session, now)

    def _heartbeat_stopped(self, session: RemoteSession, now: float) -> bool:
        beat = read_beat(session.session_dir / HEARTBEAT_FILE)
        if beat != session.beat:
            session.beat, session.beat_changed_at = beat, now
            return False
        return beat is not None and now - session.beat_changed_at >= HEARTBEAT_STALE_SECONDS

    def _agent_absent(self, session: RemoteSession, now: float) -> bool:
        if now - session.presence_checked_at < PRESENCE_SECONDS:
            return False
        session.presence_checked_at = now
        try:
            present = self._call(self._rooms.agent_present(session.room))
        except MockflowError:
            return False
        if present:
            session.agent_missing_since = None
            return False
        if session.agent_missing_since is None:
            session.agent_missing_since = now
        return now - session.agent_missing_since >= AGENT_GONE_SECONDS
