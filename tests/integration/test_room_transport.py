"""The room transport at its boundary with peers that fail on purpose: agent_entry.py as a
real subprocess, the real livekit rtc client, a server that refuses or never answers.
Either way: one plain `error`, then `ended`, within the connect timeout, and the process
exits with code 1; the agent token never reaches the log or the timeline.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from livekit import rtc

from mockflow.agent.transports.room import CandidatePresence
from mockflow.contracts.events import EventWriter, read_events
from mockflow.launch.livekit.tokens import agent_token
from tests.fakes.sockets import closed_port
from tests.integration.conftest import make_spec, spawn_agent

pytestmark = pytest.mark.integration
CONNECT_TIMEOUT = 2.0


def _room_spec(tmp_path, fake_llm, url: str) -> dict:
    token = agent_token("devkey", "secret-secret-secret-secret-0001", "mf-room-transport")
    spec = make_spec(tmp_path, fake_llm.base_url, transport="room")
    spec["livekit"] = {
        "url": url,
        "room": "mf-room-transport",
        "token": token,
        "connect_timeout": CONNECT_TIMEOUT,
    }
    spec["providers"]["stt"] = {"provider": "deepgram", "api_key": "dg-secret-key-123456"}
    return spec


def _run(spec: dict) -> tuple[list[dict], float, int]:
    proc = spawn_agent(spec)
    assert json.loads(proc.stdout.readline())["warm"] is True
    started = time.monotonic()
    proc.wait(timeout=30)
    return (
        read_events(f"{spec['session_dir']}/events.jsonl"),
        time.monotonic() - started,
        (proc.returncode),
    )


def _assert_clean_failure(spec: dict, events: list[dict], code: int, expected: str) -> None:
    assert code == 1
    assert [e["type"] for e in events] == ["error", "ended"]
    assert events[0]["fatal"] is True and expected in events[0]["message"]
    assert events[1]["reason"] == "error"
    everything = json.dumps(events) + Path(spec["session_dir"], "agent.log").read_text()
    for secret in (spec["livekit"]["token"], "dg-secret-key-123456", "sk-test-fake-key-000111"):
        assert secret not in everything


def test_refused_port_fails_fast_and_cleanly(tmp_path, fake_llm):
    spec = _room_spec(tmp_path, fake_llm, f"ws://127.0.0.1:{closed_port()}")
    events, elapsed, code = _run(spec)
    _assert_clean_failure(spec, events, code, "could not be reached")
    assert "127.0.0.1" in events[0]["message"]
    assert elapsed < CONNECT_TIMEOUT + 3


def test_silent_server_is_given_up_after_the_connect_timeout(tmp_path, fake_llm):
    with socket.socket() as listener:  # accepts TCP connections, never says a word
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        spec = _room_spec(tmp_path, fake_llm, f"ws://127.0.0.1:{listener.getsockname()[1]}")
        events, elapsed, code = _run(spec)
    _assert_clean_failure(spec, events, code, "did not answer")
    assert f"within {CONNECT_TIMEOUT:g} s" in events[0]["message"]
    assert CONNECT_TIMEOUT - 0.5 < elapsed < CONNECT_TIMEOUT + 4


# -- who is in the room: CandidatePresence on a stand-in room (same events as rtc.Room);
# the same paths through the real server are in test_livekit_voice and test_livekit_faults --


class _Room(rtc.EventEmitter):
    def __init__(self, *identities: str) -> None:
        super().__init__()
        self.remote_participants = {i: _Participant(i) for i in identities}


@dataclass
class _Participant:
    identity: str


class _Controller:
    def __init__(self, tmp_path: Path) -> None:
        self.finished = asyncio.Event()
        self.end_reason: str | None = None
        self.events = EventWriter(tmp_path / "events.jsonl")

    def end(self, reason: str) -> None:
        if not self.finished.is_set():
            self.end_reason = reason
            self.finished.set()

    def fail(self, message: str, reason: str = "error") -> None:
        if not self.finished.is_set():
            self.events.write("error", message=message, fatal=True)
        self.end(reason)


async def test_candidate_already_in_the_room_counts_as_joined(tmp_path):
    presence = CandidatePresence(_Room("candidate"), "candidate", _Controller(tmp_path))
    assert await presence.wait_for_candidate(0.1) is True


async def test_only_the_candidate_joining_counts(tmp_path):
    room, controller = _Room(), _Controller(tmp_path)
    presence = CandidatePresence(room, "candidate", controller)
    asyncio.get_running_loop().call_later(
        0.1, room.emit, "participant_connected", _Participant("x")
    )
    assert await presence.wait_for_candidate(0.3) is False
    asyncio.get_running_loop().call_later(
        0.1, room.emit, "participant_connected", _Participant("candidate")
    )
    assert await presence.wait_for_candidate(5) is True


async def test_waiting_stops_when_the_interview_is_ended(tmp_path):
    controller = _Controller(tmp_path)
    presence = CandidatePresence(_Room(), "candidate", controller)
    asyncio.get_running_loop().call_later(0.1, controller.end, "app_gone")
    started = time.monotonic()
    assert await presence.wait_for_candidate(30) is False
    assert time.monotonic() - started < 2


async def test_candidate_leaving_ends_with_user_ended_after_the_grace(tmp_path):
    room, controller = _Room("candidate"), _Controller(tmp_path)
    presence = CandidatePresence(room, "candidate", controller, rejoin_grace=0.2)
    room.emit("participant_disconnected", _Participant("someone-else"))
    assert not presence.away
    room.emit("participant_disconnected", _Participant("candidate"))
    assert presence.away and not controller.finished.is_set()  # a refresh may bring them back
    await asyncio.wait_for(controller.finished.wait(), timeout=2)
    assert controller.end_reason == "user_ended"


async def test_candidate_back_within_the_grace_keeps_the_interview(tmp_path):
    room, controller = _Room("candidate"), _Controller(tmp_path)
    returns: list[bool] = []
    presence = CandidatePresence(
        room, "candidate", controller, rejoin_grace=0.3, on_return=lambda: returns.append(True)
    )
    room.emit("participant_disconnected", _Participant("candidate"))
    await asyncio.sleep(0.1)
    room.emit("participant_connected", _Participant("candidate"))
    await asyncio.sleep(0.5)
    assert not controller.finished.is_set() and not presence.away
    assert returns == [True]  # the interviewer welcomes them back


async def test_losing_the_server_is_an_error_but_our_own_disconnect_is_not(tmp_path):
    room, controller = _Room("candidate"), _Controller(tmp_path)
    presence = CandidatePresence(room, "candidate", controller)
    room.emit("disconnected", None)
    assert controller.end_reason == "error"
    assert "connection to the LiveKit server was lost" in read_events(tmp_path)[0]["message"]
    presence.close()
    room2, controller2 = _Room("candidate"), _Controller(tmp_path / "2")
    CandidatePresence(room2, "candidate", controller2)
    controller2.end("completed")
    room2.emit("disconnected", None)
    assert controller2.end_reason == "completed" and read_events(tmp_path / "2") == []


async def test_our_own_reconnection_is_not_the_candidate_leaving(tmp_path):
    room, controller = _Room("candidate"), _Controller(tmp_path)
    presence = CandidatePresence(room, "candidate", controller, rejoin_grace=0.1, give_up=5)
    room.emit("reconnecting")
    room.emit("participant_disconnected", _Participant("candidate"))
    assert not presence.away
    room.emit("reconnected")  # the candidate is still listed: nothing happened
    await asyncio.sleep(0.3)
    assert not controller.finished.is_set()


async def test_a_candidate_gone_when_we_reconnect_gets_the_grace(tmp_path):
    room, controller = _Room("candidate"), _Controller(tmp_path)
    presence = CandidatePresence(room, "candidate", controller, rejoin_grace=0.1, give_up=5)
    room.emit("reconnecting")
    room.remote_participants.clear()
    room.emit("reconnected")
    assert presence.away
    await asyncio.wait_for(controller.finished.wait(), timeout=2)
    assert controller.end_reason == "user_ended"


async def test_a_reconnection_that_never_succeeds_ends_in_error(tmp_path):
    room, controller = _Room("candidate"), _Controller(tmp_path)
    CandidatePresence(room, "candidate", controller, give_up=0.2)
    room.emit("reconnecting")
    await asyncio.wait_for(controller.finished.wait(), timeout=2)
    assert controller.end_reason == "error"
    assert "connection to the LiveKit server was lost" in read_events(tmp_path)[0]["message"]
