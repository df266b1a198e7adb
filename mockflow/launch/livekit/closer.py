"""Deleting an interview's LiveKit room once the interview has ended.

An ended interview leaves nobody to serve its room: whoever is still in it (a browser that
missed the end, its microphone still published) is disconnected by the deletion, and the
server keeps nothing of it. The runners call `RoomCloser.ended` on every end path; the
deletion runs in the background on the closer's own loop, and a failure is logged, never
raised: the interview has ended either way.

A local interview's launch spec brings its room's API key and secret (`livekit.admin`,
from the app's own local server or the user's LiveKit project); the runner takes them out
with `take_room` before the agent sees the spec.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockflow.errors import MockflowError
from mockflow.launch.livekit.dispatch import LiveKitCredentials, LiveKitRooms
from mockflow.launch.livekit.loop_thread import LoopThread

log = logging.getLogger("mockflow.launch.livekit.closer")

ADMIN = "admin"  # the spec's `livekit` entry the runner keeps to itself


@dataclass(frozen=True)
class InterviewRoomAccess:
    """One interview's room and the credentials that may delete it."""

    credentials: LiveKitCredentials
    room: str


def take_room(spec: Mapping[str, Any]) -> tuple[dict[str, Any], InterviewRoomAccess | None]:
    """The spec without the room's admin credentials, and the room they may delete (None:
    no room, or no credentials given)."""
    livekit = spec.get("livekit")
    if not isinstance(livekit, Mapping) or ADMIN not in livekit:
        return dict(spec), None
    admin = livekit[ADMIN] or {}
    kept = {k: v for k, v in livekit.items() if k != ADMIN}
    access = None
    if livekit.get("url") and livekit.get("room") and admin.get("api_key"):
        credentials = LiveKitCredentials(
            str(livekit["url"]), str(admin["api_key"]), str(admin.get("api_secret", ""))
        )
        access = InterviewRoomAccess(credentials, str(livekit["room"]))
    return {**spec, "livekit": kept}, access


class RoomCloser:
    """Remembers each running interview's room; deletes it when the interview ends."""

    def __init__(self, name: str = "room-closer") -> None:
        self._name = name
        self._rooms: dict[str, InterviewRoomAccess] = {}
        self._pending: set[concurrent.futures.Future[None]] = set()
        self._loop: LoopThread | None = None  # started by the first deletion
        self._lock = threading.Lock()

    def opened(self, session_id: str, access: InterviewRoomAccess) -> None:
        with self._lock:
            self._rooms[session_id] = access

    def forget(self, session_id: str) -> None:
        """The room was closed some other way: nothing to delete at the end."""
        with self._lock:
            self._rooms.pop(session_id, None)

    def ended(self, session_id: str) -> concurrent.futures.Future[None] | None:
        """Delete the session's room in the background (the first call only)."""
        with self._lock:
            access = self._rooms.pop(session_id, None)
            if access is None:
                return None
            if self._loop is None:
                self._loop = LoopThread(self._name)
            future = asyncio.run_coroutine_threadsafe(_delete(session_id, access), self._loop.loop)
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def close(self, timeout: float = 5.0) -> None:
        """Wait up to `timeout` s for the deletions under way, then stop the loop."""
        with self._lock:
            pending, loop, self._loop = list(self._pending), self._loop, None
        concurrent.futures.wait(pending, timeout)
        if loop is not None:
            loop.stop()

    def _done(self, future: concurrent.futures.Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)


async def _delete(session_id: str, access: InterviewRoomAccess) -> None:
    rooms = LiveKitRooms(access.credentials)
    try:
        await rooms.delete_room(access.room)
        log.info("session %s: its room is closed", session_id)
    except MockflowError as exc:  # names the server, never a key
        log.warning("session %s: its room could not be closed: %s", session_id, exc)
    except Exception:  # the top of this background task
        log.warning("session %s: its room could not be closed", session_id, exc_info=True)
    finally:
        await rooms.aclose()
