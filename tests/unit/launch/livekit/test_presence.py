"""Noticing that the worker serving a dispatched interview went away: its heartbeat
stopped changing, or the room has had no agent for a while. A LiveKit server that does
not answer proves nothing."""

from __future__ import annotations

import asyncio

from mockflow.contracts.job import HEARTBEAT_FILE
from mockflow.errors import MockflowError
from mockflow.launch.livekit.presence import (
    AGENT_GONE_SECONDS,
    HEARTBEAT_STALE_SECONDS,
    PRESENCE_SECONDS,
    WorkerWatch,
)
from mockflow.launch.livekit.remote_session import RemoteSession


class Rooms:
    """The room's answer to "is an agent here?": True, False, or no answer (an error)."""

    def __init__(self) -> None:
        self.present: bool | None = True
        self.asked = 0

    async def agent_present(self, room: str) -> bool:
        self.asked += 1
        if self.present is None:
            raise MockflowError("the LiveKit server did not answer")
        return self.present


def _watch(tmp_path) -> tuple[WorkerWatch, Rooms, RemoteSession]:
    rooms = Rooms()
    session = RemoteSession("iv_1", tmp_path, started_at=0.0, room="mf-1")
    return WorkerWatch(rooms, asyncio.run), rooms, session  # type: ignore[arg-type]


def test_a_heartbeat_that_stops_changing_means_the_worker_is_gone(tmp_path):
    watch, rooms, session = _watch(tmp_path)
    beat = tmp_path / HEARTBEAT_FILE
    now = 0.0
    for count in range(1, 6):  # the worker beats once a second
        beat.write_text(str(count))
        now += 1.0
        assert not watch.gone(session, now)
    assert not watch.gone(session, now + HEARTBEAT_STALE_SECONDS - 0.5)
    assert watch.gone(session, now + HEARTBEAT_STALE_SECONDS)


def test_no_heartbeat_yet_is_not_a_stopped_one(tmp_path):
    watch, rooms, session = _watch(tmp_path)
    assert not watch.gone(session, 100.0)  # an older worker, or one not started yet


def test_an_agent_missing_from_the_room_for_a_while_means_gone(tmp_path):
    watch, rooms, session = _watch(tmp_path)
    rooms.present = False
    now = PRESENCE_SECONDS
    assert not watch.gone(session, now)  # missing since now: not yet
    assert not watch.gone(session, now + 0.5) and rooms.asked == 1  # asked at most so often
    now += AGENT_GONE_SECONDS
    assert watch.gone(session, now)


def test_an_agent_back_in_time_and_a_silent_server_are_not_gone(tmp_path):
    watch, rooms, session = _watch(tmp_path)
    rooms.present = False
    assert not watch.gone(session, PRESENCE_SECONDS)
    rooms.present = True  # it came back
    assert not watch.gone(session, 2 * PRESENCE_SECONDS)
    rooms.present = None  # the server does not answer: proves nothing
    for tick in range(3, 20):
        assert not watch.gone(session, tick * PRESENCE_SECONDS)
