"""Supervisor decisions taken before any process exists (no subprocess is spawned here)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockflow.config import Settings
from mockflow.errors import LaunchSpecError
from mockflow.launch import SessionNotFoundError, SlotsBusyError, Supervisor

MISSING_SCRIPT = Path("/nonexistent/agent_entry.py")


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[Supervisor]:
    settings = Settings(data_dir=tmp_path / "data", pool_size=0, max_sessions=0, fork_server=False)
    sup = Supervisor(settings, agent_script=MISSING_SCRIPT, parent_env={})
    yield sup
    sup.close()


def spec(**changes: Any) -> dict[str, Any]:
    base = {
        "session_id": "iv_1",
        "candidate": {"name": "Ada", "role": "Engineer"},
        "providers": {"llm": {"api_key": "sk-test"}},
    }
    return {**base, **changes}


def test_malformed_spec_is_rejected_before_spawning(supervisor: Supervisor) -> None:
    with pytest.raises(LaunchSpecError, match="providers"):
        supervisor.start(spec(providers={}))


def test_session_id_must_be_a_safe_directory_name(supervisor: Supervisor) -> None:
    with pytest.raises(ValueError, match="session_id"):
        supervisor.start(spec(session_id="../etc"))


def test_session_dir_must_be_under_the_sessions_dir(supervisor: Supervisor) -> None:
    with pytest.raises(ValueError, match="session_dir"):
        supervisor.start(spec(session_dir="/tmp/elsewhere"))


def test_no_free_slot_means_slots_busy(supervisor: Supervisor) -> None:
    with pytest.raises(SlotsBusyError, match="try again in a minute"):
        supervisor.start(spec())
    assert supervisor.active_sessions() == []


def test_unknown_session_is_not_found(supervisor: Supervisor) -> None:
    with pytest.raises(SessionNotFoundError):
        supervisor.status("iv_unknown")
    with pytest.raises(SessionNotFoundError):
        supervisor.send("iv_unknown", {"type": "user_text", "text": "hi"})
    with pytest.raises(SessionNotFoundError):
        supervisor.end("iv_unknown")


def test_unknown_command_is_refused(supervisor: Supervisor) -> None:
    with pytest.raises(ValueError, match="unknown command"):
        supervisor.send("iv_1", {"type": "shutdown_server"})
