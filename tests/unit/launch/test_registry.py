"""The session table both runners keep: a start gets a slot or a reason there is none;
a command goes only to a running interview; an ended one stays findable for a while; the
monitor checks every live session and survives a check that fails; a failing end
callback never stops the books from closing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from mockflow.launch.errors import SessionNotFoundError, SessionStartError, SlotsBusyError
from mockflow.launch.registry import FINISHED_KEPT, Registry
from mockflow.launch.session import TrackedSession


@pytest.fixture
def made(tmp_path):
    registries: list[Registry] = []

    def make(max_sessions: int = 2, **kwargs) -> Registry[TrackedSession]:
        kwargs.setdefault("monitor_interval", 3600)
        check = kwargs.pop("check", _none)
        registry: Registry[TrackedSession] = Registry(max_sessions, check, **kwargs)
        registries.append(registry)
        return registry

    yield make
    for registry in registries:
        registry.begin_close()


def _none(session: TrackedSession) -> None:
    return None


def _reserve(registry: Registry, tmp_path: Path, session_id: str) -> TrackedSession:
    folder = tmp_path / session_id
    return registry.reserve(session_id, folder, lambda: TrackedSession(session_id, folder, 0.0))


def test_starts_get_slots_until_all_are_busy_then_a_reason(made, tmp_path) -> None:
    registry = made(max_sessions=2)
    first = _reserve(registry, tmp_path, "iv_1")
    _reserve(registry, tmp_path, "iv_2")
    assert (tmp_path / "iv_1").is_dir()  # the session folder exists from the start
    with pytest.raises(SlotsBusyError):
        _reserve(registry, tmp_path, "iv_3")
    with pytest.raises(ValueError, match="already running"):
        registry.reserve("iv_1", tmp_path / "iv_1", lambda: first)
    registry.retire(first)
    _reserve(registry, tmp_path, "iv_3")  # the freed slot


def test_a_session_with_a_timeline_is_never_started_again(made, tmp_path) -> None:
    (tmp_path / "iv_old").mkdir()
    (tmp_path / "iv_old" / "events.jsonl").write_text('{"t": 1, "type": "ready"}\n')
    with pytest.raises(ValueError, match="already has a timeline"):
        _reserve(made(), tmp_path, "iv_old")


def test_once_closing_no_start_is_taken_and_closing_happens_once(made, tmp_path) -> None:
    registry = made()
    live = _reserve(registry, tmp_path, "iv_1")
    assert registry.begin_close() == [live]
    assert registry.begin_close() is None
    with pytest.raises(SessionStartError):
        _reserve(registry, tmp_path, "iv_2")


def test_commands_go_only_to_a_running_interview(made, tmp_path) -> None:
    registry = made()
    session = _reserve(registry, tmp_path, "iv_1")
    with pytest.raises(SessionNotFoundError):  # still starting
        registry.command_target("iv_1", {"type": "user_text", "text": "hi"})
    session.state = "running"
    assert registry.command_target("iv_1", {"type": "user_text", "text": "hi"}) is session
    assert registry.command_target("iv_1", {"type": "end"}) is None  # the runner's end()
    with pytest.raises(ValueError, match="unknown command type 'format_disk'"):
        registry.command_target("iv_1", {"type": "format_disk"})
    with pytest.raises(SessionNotFoundError):
        registry.command_target("iv_nobody", {"type": "skip_stage"})


def test_ended_sessions_stay_findable_up_to_a_limit(made, tmp_path) -> None:
    registry = made(max_sessions=1)
    first = _reserve(registry, tmp_path, "iv_first")
    registry.retire(first)
    assert registry.find("iv_first") is first and registry.active() == []
    with pytest.raises(SessionNotFoundError):
        registry.live("iv_first")
    for n in range(FINISHED_KEPT):
        registry.retire(_reserve(registry, tmp_path, f"iv_{n}"))
    with pytest.raises(SessionNotFoundError):
        registry.find("iv_first")  # the oldest made way


def test_the_monitor_checks_live_sessions_and_survives_a_failing_check(made, tmp_path) -> None:
    checked: list[str] = []
    twice = threading.Event()

    def check(session: TrackedSession) -> None:
        checked.append(session.session_id)
        if len(checked) >= 2:
            twice.set()
        raise RuntimeError("a check that fails")

    registry = made(check=check, monitor_interval=0.01)
    _reserve(registry, tmp_path, "iv_1")
    assert twice.wait(5)
    assert set(checked) == {"iv_1"}


def test_a_failing_end_callback_is_logged_not_raised(made, caplog) -> None:
    ended: list[tuple[str, str]] = []

    def on_end(session_id: str, reason: str) -> None:
        ended.append((session_id, reason))
        raise RuntimeError("the store is busy")

    made(on_session_end=on_end).notify("iv_1", "completed")
    assert ended == [("iv_1", "completed")]
    assert "on_session_end failed for session iv_1" in caplog.text
