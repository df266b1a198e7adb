"""Dispatch mode from the app's side: the real livekit-api client against a local LiveKit
server API, and a fake worker that, like the real one, is the single writer of the
session's timeline (it writes `ready`, `turn` and `ended` lines when LiveKit hands it
the job or a command).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mockflow.config import Settings
from mockflow.contracts.events import EVENTS_FILE, read_events
from mockflow.contracts.job import COMMAND_TOPIC
from mockflow.errors import LaunchSpecError
from mockflow.launch import SessionNotFoundError, SessionStartError, SlotsBusyError
from mockflow.launch.livekit.dispatch import LiveKitCredentials
from mockflow.launch.livekit.dispatcher import Dispatcher
from tests.fakes.livekit_server import KEY, SECRET, FakeLiveKitServer, FakeWorker
from tests.integration.conftest import make_spec

pytestmark = pytest.mark.integration
ROOM = "mf-dispatcher-test-room-01"
SECRETS = ("sk-test-fake-key-000111", "dg-secret-000111", "lk-agent-jwt-000111")
Ended = list[tuple[str, str]]


@pytest.fixture
def server() -> Iterator[FakeLiveKitServer]:
    with FakeLiveKitServer() as fake:
        yield fake


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", ready_timeout_seconds=1.0, max_sessions=2)


@pytest.fixture
def worker(server: FakeLiveKitServer, settings: Settings) -> FakeWorker:
    fake = FakeWorker(settings.sessions_dir)
    server.on_dispatch, server.on_data = fake.on_dispatch, fake.on_data
    return fake


@pytest.fixture
def ended() -> Ended:
    return []


@pytest.fixture
def make_dispatcher(
    server: FakeLiveKitServer, settings: Settings, ended: Ended
) -> Iterator[Callable[..., Dispatcher]]:
    made: list[Dispatcher] = []

    def make(secret: str = SECRET, **changes: Any) -> Dispatcher:
        dispatcher = Dispatcher(
            settings.with_overrides(**changes),
            on_session_end=lambda session_id, reason: ended.append((session_id, reason)),
            credentials=LiveKitCredentials(server.url, KEY, secret),
            monitor_interval=0.05,
            end_grace_seconds=0.3,
        )
        made.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in made:
        dispatcher.close()


def spec(settings: Settings, session_id: str = "iv_1", room: str = ROOM) -> dict[str, Any]:
    base = make_spec(
        settings.data_dir,
        "https://llm.example/v1",
        session_id=session_id,
        session_dir=str(settings.sessions_dir / session_id),
        transport="room",
    )
    base["providers"]["stt"] = {"provider": "deepgram", "api_key": SECRETS[1]}
    base["livekit"] = {"url": "wss://lk.example", "room": room, "token": SECRETS[2]}
    return base


def timeline(settings: Settings, session_id: str = "iv_1") -> list[dict[str, Any]]:
    return read_events(settings.sessions_dir / session_id / EVENTS_FILE)


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# -- start -------------------------------------------------------------------------------


def test_start_returns_once_the_worker_is_ready(make_dispatcher, server, worker, settings):
    dispatcher = make_dispatcher()
    handle = dispatcher.start(spec(settings))
    assert handle.session_id == "iv_1" and handle.pid == 0
    assert handle.events_path == (settings.sessions_dir / "iv_1" / EVENTS_FILE).resolve()
    assert dispatcher.status("iv_1").state == "running"
    assert dispatcher.active_sessions() == ["iv_1"]
    assert dispatcher.resources("iv_1") == (0, 0.0)
    [(request, claims)] = server.dispatches
    assert request.room == ROOM and claims.video.room == ROOM
    for secret in SECRETS:
        assert secret not in request.metadata
    assert json.loads(request.metadata)["session_id"] == "iv_1"


def test_no_worker_is_a_plain_error_and_the_room_is_deleted(make_dispatcher, server, settings):
    dispatcher = make_dispatcher()
    with pytest.raises(SessionStartError) as raised:
        dispatcher.start(spec(settings))
    assert str(raised.value) == (
        "No MockFlow worker picked up the interview within 1 s. Is `python agent_entry.py "
        "worker` running with the same LiveKit project?"
    )
    assert server.deleted == [ROOM]
    error, end = timeline(settings)
    assert error["type"] == "error" and error["message"] == str(raised.value)
    assert end["type"] == "ended" and end["reason"] == "error"
    assert dispatcher.active_sessions() == []


def test_rejected_credentials_are_a_plain_error_without_the_secret(
    make_dispatcher, server, settings, ended
):
    wrong = "wrong-secret-0123456789-0123456789"
    dispatcher = make_dispatcher(secret=wrong)
    with pytest.raises(SessionStartError) as raised:
        dispatcher.start(spec(settings))
    assert "rejected the API key or secret (401)" in str(raised.value)
    assert wrong not in str(raised.value) and server.dispatches == []
    assert [e["type"] for e in timeline(settings)] == ["error", "ended"]
    assert wrong not in json.dumps(timeline(settings))
    assert ended == []  # a failed start that was waited for is an exception, not an end


def test_a_worker_that_gives_up_is_heard_and_keeps_its_timeline(
    make_dispatcher, server, worker, settings
):
    worker.give_up_with = "The MockFlow worker cannot run this interview: no LLM key"
    with pytest.raises(SessionStartError, match="cannot run this interview: no LLM key"):
        make_dispatcher().start(spec(settings))
    assert server.deleted == [ROOM]
    events = timeline(settings)
    assert [e["type"] for e in events] == ["error", "ended"]
    assert not any(e.get("by") == "supervisor" for e in events)  # the worker wrote it all


def test_slots_and_spec_are_checked_before_dispatching(make_dispatcher, worker, settings, server):
    dispatcher = make_dispatcher(max_sessions=1)
    dispatcher.start(spec(settings))
    with pytest.raises(SlotsBusyError):
        dispatcher.start(spec(settings, "iv_2", room="mf-other"))
    with pytest.raises(LaunchSpecError, match="voice interviews only"):
        dispatcher.start({**spec(settings, "iv_3"), "transport": "text"})
    assert len(server.dispatches) == 1


# -- commands and end ----------------------------------------------------------------------


def test_send_puts_commands_into_the_room(make_dispatcher, server, worker, settings):
    dispatcher = make_dispatcher()
    dispatcher.start(spec(settings))
    dispatcher.send("iv_1", {"type": "user_text", "text": "I led the migration."})
    dispatcher.send("iv_1", {"type": "skip_stage"})
    assert server.commands() == [
        {"type": "user_text", "text": "I led the migration."},
        {"type": "skip_stage"},
    ]
    for request in server.sent:
        assert request.room == ROOM and request.topic == COMMAND_TOPIC
    with pytest.raises(ValueError, match="unknown command"):
        dispatcher.send("iv_1", {"type": "shutdown"})
    with pytest.raises(SessionNotFoundError):
        dispatcher.send("iv_other", {"type": "skip_stage"})


def test_end_is_answered_by_the_workers_ended(make_dispatcher, server, worker, settings, ended):
    dispatcher = make_dispatcher()
    dispatcher.start(spec(settings))
    worker.write("turn", role="candidate", text="Hello", stage="greeting")
    assert dispatcher.end("iv_1") == "user_ended"
    assert server.commands() == [{"type": "end", "reason": "user_ended"}]
    assert dispatcher.send("iv_1", {"type": "end"}) is None  # the same as end(): idempotent
    assert dispatcher.end("iv_1") == "user_ended"
    time.sleep(0.2)  # a few monitor rounds
    assert ended == [("iv_1", "user_ended")]
    wait_until(lambda: server.deleted == [ROOM])  # after the worker's `ended`, once
    assert not any(e.get("by") == "supervisor" for e in timeline(settings))
    with pytest.raises(SessionNotFoundError):
        dispatcher.send("iv_1", {"type": "skip_stage"})


def test_end_without_an_answer_deletes_the_room_and_closes_the_timeline(
    make_dispatcher, server, worker, settings, ended
):
    worker.obeys_end = False
    dispatcher = make_dispatcher()
    dispatcher.start(spec(settings))
    assert dispatcher.end("iv_1") == "user_ended"
    assert server.deleted == [ROOM]
    last = timeline(settings)[-1]
    assert last["type"] == "ended" and last["reason"] == "user_ended" and last["by"] == "supervisor"
    assert ended == [("iv_1", "user_ended")]


def test_an_end_in_error_carries_the_apps_message(make_dispatcher, server, worker, settings):
    worker.obeys_end = False
    dispatcher = make_dispatcher()
    dispatcher.start(spec(settings))
    message = "Your browser could not join the voice room: no microphone"
    assert dispatcher.end("iv_1", "error", message) == "error"
    assert server.commands() == [{"type": "end", "reason": "error", "message": message}]
    error, end = timeline(settings)[-2:]
    assert error["type"] == "error" and error["message"] == message
    assert end["type"] == "ended" and end["reason"] == "error"


def test_a_room_that_is_gone_means_the_interview_is_not_running(
    make_dispatcher, server, worker, settings
):
    dispatcher = make_dispatcher()
    dispatcher.start(spec(settings))
    server.rooms.clear()  # e.g. closed from the LiveKit dashboard
    with pytest.raises(SessionNotFoundError):
        dispatcher.send("iv_1", {"type": "skip_stage"})


def test_the_workers_own_end_is_noticed(make_dispatcher, worker, settings, ended):
    dispatcher = make_dispatcher()
    dispatcher.start(spec(settings))
    worker.write("ended", reason="completed")
    wait_until(lambda: ended == [("iv_1", "completed")])
    assert dispatcher.status("iv_1").end_reason == "completed"
    assert dispatcher.active_sessions() == []


# -- without waiting -----------------------------------------------------------------------


def test_start_without_waiting_reports_a_missing_worker_as_an_end(
    make_dispatcher, server, settings, ended
):
    handle = make_dispatcher().start(spec(settings), wait=False)
    assert handle.start_seconds is None
    wait_until(lambda: ended == [("iv_1", "error")])
    assert server.deleted == [ROOM]
    assert [e["type"] for e in timeline(settings)] == ["error", "ended"]


def test_start_without_waiting_becomes_running(make_dispatcher, worker, settings, ended):
    dispatcher = make_dispatcher()
    dispatcher.start(spec(settings), wait=False)
    wait_until(lambda: dispatcher.status("iv_1").state == "running")
    assert ended == []


def test_end_during_a_start_without_waiting_keeps_the_users_reason(
    make_dispatcher, server, settings, ended
):
    dispatcher = make_dispatcher()
    dispatcher.start(spec(settings), wait=False)
    assert dispatcher.end("iv_1") == "user_ended"
    assert ended == [("iv_1", "user_ended")]
    assert server.deleted == [ROOM]
    assert [(e["type"], e.get("reason")) for e in timeline(settings)] == [("ended", "user_ended")]


# -- limits and shutdown -------------------------------------------------------------------


def test_idle_interview_is_ended_with_timeout(make_dispatcher, server, worker, settings, ended):
    dispatcher = make_dispatcher(idle_timeout_seconds=0.3)
    dispatcher.start(spec(settings))
    wait_until(lambda: ended == [("iv_1", "timeout")])
    assert server.commands() == [{"type": "end", "reason": "timeout"}]
    wait_until(lambda: server.deleted == [ROOM])


def test_overlong_interview_is_closed_even_if_the_worker_ignores_it(
    make_dispatcher, server, worker, settings, ended
):
    worker.obeys_end = False
    dispatcher = make_dispatcher(max_session_seconds=0.3)
    dispatcher.start(spec(settings))
    worker.write("turn", role="candidate", text="Still talking", stage="greeting")
    wait_until(lambda: ended == [("iv_1", "timeout")])
    assert server.deleted == [ROOM]
    assert timeline(settings)[-1]["reason"] == "timeout"


def test_close_leaves_running_interviews_to_their_workers(
    make_dispatcher, server, worker, settings, ended
):
    dispatcher = make_dispatcher()
    dispatcher.start(spec(settings))
    dispatcher.close()
    assert server.sent == [] and server.deleted == [] and ended == []
    assert [e["type"] for e in timeline(settings)] == ["ready"]
