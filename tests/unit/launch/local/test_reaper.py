"""Orphan verification: pid reuse and foreign processes are never stopped."""

from __future__ import annotations

import os
from pathlib import Path

import psutil

from mockflow.contracts.events import EventWriter, read_events
from mockflow.launch.local.environment import MARKER_VAR
from mockflow.launch.local.reaper import is_our_agent, reap_orphans
from mockflow.launch.records import PidRecord, write_pid_file

RECORD = PidRecord(pid=4321, create_time=1000.0, marker="ours", owner_pid=0, owner_create_time=0)
NO_SUCH_PID = 2**22 + 12345  # above Linux's pid_max


class FakeProcess:
    def __init__(self, create_time: float, environ: dict[str, str] | None) -> None:
        self._create_time = create_time
        self._environ = environ

    def create_time(self) -> float:
        return self._create_time

    def environ(self) -> dict[str, str]:
        if self._environ is None:
            raise psutil.AccessDenied(4321)
        return self._environ


def test_matching_process_is_ours() -> None:
    assert is_our_agent(FakeProcess(1000.0, {MARKER_VAR: "ours"}), RECORD, "ours")


def test_reused_pid_is_not_ours() -> None:
    assert not is_our_agent(FakeProcess(1050.0, {MARKER_VAR: "ours"}), RECORD, "ours")


def test_process_without_our_marker_is_not_ours() -> None:
    assert not is_our_agent(FakeProcess(1000.0, {MARKER_VAR: "theirs"}), RECORD, "ours")
    assert not is_our_agent(FakeProcess(1000.0, {}), RECORD, "ours")


def test_unreadable_environment_is_not_ours() -> None:
    assert not is_our_agent(FakeProcess(1000.0, None), RECORD, "ours")


def test_pid_file_of_another_data_dir_is_not_ours() -> None:
    assert not is_our_agent(FakeProcess(1000.0, {MARKER_VAR: "ours"}), RECORD, "other")


def session_with_turn(sessions_dir: Path, session_id: str, record: PidRecord) -> Path:
    session_dir = sessions_dir / session_id
    writer = EventWriter(session_dir / "events.jsonl")
    writer.write("turn", role="candidate", text="My answer.")
    writer.close()
    write_pid_file(session_dir, record)
    return session_dir


def test_dead_agent_session_is_closed_as_interrupted(tmp_path: Path) -> None:
    record = PidRecord(NO_SUCH_PID, 1000.0, "ours", owner_pid=NO_SUCH_PID, owner_create_time=1.0)
    session_dir = session_with_turn(tmp_path, "iv_dead", record)

    assert reap_orphans(tmp_path, "ours") == ["iv_dead"]

    events = read_events(session_dir)
    assert events[0]["text"] == "My answer."
    assert events[-1] == {**events[-1], "type": "ended", "reason": "interrupted"}
    assert not (session_dir / "agent.pid").exists()


def test_session_of_a_running_app_is_left_alone(tmp_path: Path) -> None:
    me = psutil.Process()
    record = PidRecord(NO_SUCH_PID, 1000.0, "ours", os.getpid(), me.create_time())
    session_dir = session_with_turn(tmp_path, "iv_live", record)

    assert reap_orphans(tmp_path, "ours", owner=(1, 0.0)) == []
    assert (session_dir / "agent.pid").exists()
    assert reap_orphans(tmp_path, "ours", owner=(os.getpid(), me.create_time())) == ["iv_live"]


def test_skipped_sessions_are_left_alone(tmp_path: Path) -> None:
    session_with_turn(tmp_path, "iv_mine", RECORD)

    assert reap_orphans(tmp_path, "ours", skip={"iv_mine"}) == []
