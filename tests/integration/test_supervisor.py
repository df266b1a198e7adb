"""The supervisor with real agent subprocesses: the stub agent, and the real one when present.

The stub (`tests/fakes/stub_agent.py`) keeps contracts 1–3 and fails on request, so every
failure path runs against a real process, real pipes and real signals.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from mockflow.config import Settings
from mockflow.contracts.events import read_events
from mockflow.launch import (
    SessionNotFoundError,
    SessionStartError,
    SlotsBusyError,
    Supervisor,
)
from tests.waiting import eventually

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
STUB = ROOT / "tests" / "fakes" / "stub_agent.py"
SPEC_KEY = "sk-spec-0123456789abcdef"
PARENT_SECRETS = {
    "OPENAI_API_KEY": "sk-parent-fedcba9876543210",
    "MOCKFLOW_SECRET_KEY": "master-key-do-not-leak-42",
    "DEEPGRAM_API_KEY": "dg-parent-secret-77",
}


class Ended:
    """Collects `on_session_end` calls; `wait` blocks until a session has ended."""

    def __init__(self) -> None:
        self.calls: dict[str, str] = {}
        self.at: dict[str, float] = {}
        self._cond = threading.Condition()

    def __call__(self, session_id: str, reason: str) -> None:
        with self._cond:
            self.calls[session_id] = reason
            self.at[session_id] = time.monotonic()
            self._cond.notify_all()

    def wait(self, session_id: str, timeout: float) -> str | None:
        with self._cond:
            self._cond.wait_for(lambda: session_id in self.calls, timeout)
            return self.calls.get(session_id)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        pool_size=0,
        max_sessions=2,
        ready_timeout_seconds=10.0,
        fork_server=False,
    )


@pytest.fixture
def ended() -> Ended:
    return Ended()


@pytest.fixture
def make_supervisor(settings: Settings, ended: Ended) -> Iterator[Any]:
    made: list[Supervisor] = []

    def make(**overrides: Any) -> Supervisor:
        kwargs: dict[str, Any] = {
            "agent_script": STUB,
            "on_session_end": ended,
            "parent_env": {**os.environ, **PARENT_SECRETS},
            "end_grace_seconds": 2.0,
            "stop_grace_seconds": 1.0,
        }
        kwargs.update({k: v for k, v in overrides.items() if k != "settings"})
        sup = Supervisor(overrides.get("settings", settings), **kwargs)
        made.append(sup)
        return sup

    yield make
    for sup in made:
        sup.close()


def make_spec(session_id: str, **stub: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "session_id": session_id,
        "transport": "text",
        "candidate": {"name": "Ada", "role": "Backend engineer", "level": "mid"},
        "track": "behavioral",
        "providers": {"llm": {"api_key": SPEC_KEY, "model": "gpt-4o-mini"}},
    }
    if stub:
        spec["_stub"] = stub
    return spec


def turns(events_path: Path) -> list[str]:
    return [e["text"] for e in read_events(events_path) if e["type"] == "turn"]


def is_gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_text_interview_start_send_end(make_supervisor: Any, ended: Ended) -> None:
    sup = make_supervisor()
    handle = sup.start(make_spec("iv_basic"))
    assert sup.active_sessions() == ["iv_basic"]
    assert (handle.session_dir / "agent.pid").exists()

    sup.send("iv_basic", {"type": "user_text", "text": "I build data pipelines."})
    assert eventually(lambda: "You said: I build data pipelines." in turns(handle.events_path))
    assert sup.end("iv_basic") == "user_ended"

    assert ended.calls == {"iv_basic": "user_ended"}
    assert read_events(handle.events_path)[-1]["reason"] == "user_ended"
    assert is_gone(handle.pid)
    assert not (handle.session_dir / "agent.pid").exists()
    assert sup.active_sessions() == []
    assert sup.status("iv_basic").state == "ended"
    with pytest.raises(SessionNotFoundError):
        sup.send("iv_basic", {"type": "user_text", "text": "hello?"})


def test_kill_9_mid_interview_keeps_turns_and_marks_failed(
    make_supervisor: Any, ended: Ended
) -> None:
    sup = make_supervisor()
    handle = sup.start(make_spec("iv_kill"))
    for answer in ("First answer.", "Second answer."):
        sup.send("iv_kill", {"type": "user_text", "text": answer})
    assert eventually(lambda: "You said: Second answer." in turns(handle.events_path))
    before = turns(handle.events_path)

    os.kill(handle.pid, signal.SIGKILL)
    killed_at = time.monotonic()

    assert ended.wait("iv_kill", timeout=2.0) == "error"
    assert ended.at["iv_kill"] - killed_at <= 2.0
    events = read_events(handle.events_path)
    assert turns(handle.events_path) == before
    assert [e["type"] for e in events[-2:]] == ["error", "ended"]
    assert events[-2]["fatal"] is True
    assert "stopped unexpectedly" in events[-2]["message"]
    assert events[-1]["reason"] == "error"
    assert sup.status("iv_kill").end_reason == "error"


def test_agent_that_crashes_by_itself_is_detected(make_supervisor: Any, ended: Ended) -> None:
    sup = make_supervisor()
    handle = sup.start(make_spec("iv_crash", crash_after_turns=2))
    sup.send("iv_crash", {"type": "user_text", "text": "Hello."})

    assert ended.wait("iv_crash", timeout=2.0) == "error"
    events = read_events(handle.events_path)
    assert turns(handle.events_path)[-1] == "You said: Hello."
    assert "exit code 1" in events[-2]["message"]


def test_never_ready_raises_within_timeout_and_kills_process(
    make_supervisor: Any, settings: Settings, ended: Ended
) -> None:
    sup = make_supervisor(settings=settings.with_overrides(ready_timeout_seconds=1.0))
    with pytest.raises(SessionStartError, match="did not start within 1 s"):
        sup.start(make_spec("iv_silent", never_ready=True))

    session_dir = settings.sessions_dir / "iv_silent"
    events = read_events(session_dir)
    assert events[-1] == {**events[-1], "type": "ended", "reason": "error"}
    pid = sup.status("iv_silent").pid
    assert pid is not None and is_gone(pid)
    assert not (session_dir / "agent.pid").exists()
    assert sup.active_sessions() == []
    assert ended.calls == {}


def test_exit_during_start_up_reports_stderr_without_secrets(make_supervisor: Any) -> None:
    sup = make_supervisor()
    spec = make_spec("iv_bad", exit_code=2, stderr=f"launch spec: key {SPEC_KEY} was refused")
    with pytest.raises(SessionStartError) as caught:
        sup.start(spec)

    message = str(caught.value)
    assert message.startswith("The interviewer rejected its launch settings: launch spec:")
    assert SPEC_KEY not in message
    assert SPEC_KEY not in (sup.settings.sessions_dir / "iv_bad" / "events.jsonl").read_text()


def test_slots_busy_past_max_sessions(make_supervisor: Any, settings: Settings) -> None:
    sup = make_supervisor(settings=settings.with_overrides(max_sessions=1))
    sup.start(make_spec("iv_one"))
    with pytest.raises(SlotsBusyError, match="All interview slots are busy"):
        sup.start(make_spec("iv_two"))

    sup.end("iv_one")
    sup.start(make_spec("iv_two"))
    assert sup.active_sessions() == ["iv_two"]


def test_end_escalates_to_sigkill_when_agent_ignores_end_and_sigterm(
    make_supervisor: Any, ended: Ended
) -> None:
    sup = make_supervisor(end_grace_seconds=0.5, stop_grace_seconds=0.5)
    handle = sup.start(make_spec("iv_stubborn", ignore_end=True, ignore_term=True))

    assert sup.end("iv_stubborn") == "user_ended"
    assert is_gone(handle.pid)
    assert sup.status("iv_stubborn").exit_code == -signal.SIGKILL
    events = read_events(handle.events_path)
    assert events[-1]["type"] == "ended" and events[-1]["reason"] == "user_ended"
    assert ended.calls == {"iv_stubborn": "user_ended"}


def test_idle_session_ends_with_timeout(
    make_supervisor: Any, settings: Settings, ended: Ended
) -> None:
    sup = make_supervisor(settings=settings.with_overrides(idle_timeout_seconds=0.5))
    handle = sup.start(make_spec("iv_idle"))

    assert ended.wait("iv_idle", timeout=5.0) == "timeout"
    assert read_events(handle.events_path)[-1]["reason"] == "timeout"
    assert is_gone(handle.pid)


def test_session_past_max_duration_is_stopped(
    make_supervisor: Any, settings: Settings, ended: Ended
) -> None:
    sup = make_supervisor(settings=settings.with_overrides(max_session_seconds=0.5))
    handle = sup.start(make_spec("iv_long", ignore_end=True))

    assert ended.wait("iv_long", timeout=6.0) == "timeout"
    assert read_events(handle.events_path)[-1]["reason"] == "timeout"
    assert is_gone(handle.pid)


def test_child_environment_and_argv_carry_no_secrets(
    make_supervisor: Any, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sup = make_supervisor(settings=settings.with_overrides(pool_size=1))
    assert sup.wait_pool_warm(10.0)
    pool_pid = sup.pool_pids()[0]
    handle = sup.start(make_spec("iv_env"))
    sup.send("iv_env", {"type": "user_text", "text": "hello"})
    assert eventually(lambda: len(turns(handle.events_path)) >= 3)

    assert sup.wait_pool_warm(10.0)
    secrets = [SPEC_KEY, *PARENT_SECRETS.values()]
    for pid in (handle.pid, *sup.pool_pids()):
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode()
        environ = Path(f"/proc/{pid}/environ").read_bytes().decode()
        for secret in secrets:
            assert secret not in cmdline
            assert secret not in environ
        for name in PARENT_SECRETS:
            assert f"{name}=" not in environ
        assert "MOCKFLOW_AGENT_MARKER=" in environ
        assert cmdline.split("\0")[:2] == [sys.executable, str(STUB)]
    assert handle.pid == pool_pid

    sup.end("iv_env")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "iv_env" in logged
    for secret in secrets:
        assert secret not in logged
    assert SPEC_KEY not in handle.events_path.read_text()


def test_warm_pool_hands_out_and_refills(make_supervisor: Any, settings: Settings) -> None:
    sup = make_supervisor(settings=settings.with_overrides(pool_size=1))
    assert sup.wait_pool_warm(10.0)
    first = sup.pool_pids()[0]

    handle = sup.start(make_spec("iv_warm"))
    assert handle.warm and handle.pid == first
    assert sup.wait_pool_warm(10.0)
    second = sup.pool_pids()[0]
    assert second != first

    os.kill(second, signal.SIGKILL)
    assert eventually(lambda: sup.pool_pids() not in ([], [second]), timeout=10.0)
    assert sup.wait_pool_warm(10.0)
    third = sup.pool_pids()[0]
    assert is_gone(second) and third not in (first, second)
    assert sup.start(make_spec("iv_warm2")).pid == third


def test_close_ends_sessions_as_app_gone_and_stops_pool(
    make_supervisor: Any, settings: Settings, ended: Ended
) -> None:
    sup = make_supervisor(settings=settings.with_overrides(pool_size=1))
    assert sup.wait_pool_warm(10.0)
    handle = sup.start(make_spec("iv_shutdown"))
    assert sup.wait_pool_warm(10.0)
    pool_pid = sup.pool_pids()[0]

    sup.close()

    assert ended.calls == {"iv_shutdown": "app_gone"}
    assert read_events(handle.events_path)[-1]["reason"] == "app_gone"
    assert is_gone(handle.pid) and is_gone(pool_pid)
    with pytest.raises(SessionStartError):
        sup.start(make_spec("iv_after"))


ORPHAN_MAKER = textwrap.dedent(
    """
    import json, os, signal, sys
    from pathlib import Path
    from mockflow.config import Settings
    from mockflow.launch import Supervisor

    settings = Settings(data_dir=Path(sys.argv[1]), pool_size=0)
    sup = Supervisor(settings, agent_script=Path(sys.argv[2]))
    spec = json.loads(sys.argv[3])
    handle = sup.start(spec)
    sup.send(spec["session_id"], {"type": "user_text", "text": "Before the crash."})
    print(handle.pid, flush=True)
    sys.stdin.readline()
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_restart_reaps_live_orphan_and_keeps_transcript(
    make_supervisor: Any, settings: Settings, tmp_path: Path
) -> None:
    spec = make_spec("iv_orphan", hang_on_eof=True)
    app = subprocess.Popen(
        [sys.executable, "-c", ORPHAN_MAKER, str(settings.data_dir), str(STUB), json.dumps(spec)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    assert app.stdout is not None and app.stdin is not None
    orphan_pid = int(app.stdout.readline())
    events_path = settings.sessions_dir / "iv_orphan" / "events.jsonl"
    assert eventually(lambda: "You said: Before the crash." in turns(events_path))
    app.stdin.write(b"\n")
    app.stdin.flush()
    app.wait(10)
    assert psutil.pid_exists(orphan_pid) and not is_gone(orphan_pid)

    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        fake_dir = settings.sessions_dir / "iv_stale"
        fake_dir.mkdir(parents=True)
        stale = {"pid": bystander.pid, "create_time": psutil.Process(bystander.pid).create_time()}
        marker = (settings.data_dir / "agent.marker").read_text().strip()
        (fake_dir / "agent.pid").write_text(json.dumps({**stale, "marker": marker}))

        sup = make_supervisor()
        assert sorted(sup.reap_orphans()) == ["iv_orphan", "iv_stale"]

        assert eventually(lambda: is_gone(orphan_pid))
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()
    events = read_events(events_path)
    assert "You said: Before the crash." in turns(events_path)
    assert events[-1]["type"] == "ended" and events[-1]["reason"] == "interrupted"
    assert not (settings.sessions_dir / "iv_orphan" / "agent.pid").exists()
    assert sup.reap_orphans() == []


# -- the real agent_entry.py (text transport, fake LLM server) --------------------------

REAL_KEY = "sk-test-fake-key-000111"  # the key the `fake_llm` fixture accepts


def real_spec(session_id: str, base_url: str) -> dict[str, Any]:
    spec = make_spec(session_id)
    spec["providers"] = {"llm": {"base_url": base_url, "api_key": REAL_KEY, "timeout": 3.0}}
    return spec


def real_supervisor(make_supervisor: Any, settings: Settings, pool_size: int) -> Supervisor:
    return make_supervisor(
        settings=settings.with_overrides(pool_size=pool_size, ready_timeout_seconds=30.0),
        agent_script=ROOT / "agent_entry.py",
        end_grace_seconds=10.0,
    )


def test_real_agent_warm_text_interview(
    make_supervisor: Any, settings: Settings, ended: Ended, fake_llm: Any
) -> None:
    sup = real_supervisor(make_supervisor, settings, pool_size=1)
    assert sup.wait_pool_warm(30.0)

    handle = sup.start(real_spec("iv_real", fake_llm.base_url))
    assert handle.warm
    assert read_events(handle.events_path)[0]["type"] == "ready"
    assert eventually(lambda: len(turns(handle.events_path)) >= 1, timeout=15.0)
    sup.send("iv_real", {"type": "user_text", "text": "I led the ledger migration."})
    assert eventually(lambda: len(turns(handle.events_path)) >= 3, timeout=15.0)

    for path in (f"/proc/{handle.pid}/cmdline", f"/proc/{handle.pid}/environ"):
        content = Path(path).read_bytes().decode()
        assert REAL_KEY not in content
        assert all(secret not in content for secret in PARENT_SECRETS.values())
    assert sup.end("iv_real") == "user_ended"
    assert ended.calls == {"iv_real": "user_ended"}
    events = read_events(handle.events_path)
    assert "I led the ledger migration." in turns(handle.events_path)
    assert events[-1]["type"] == "ended" and events[-1]["reason"] == "user_ended"
    assert REAL_KEY not in handle.events_path.read_text()
    assert REAL_KEY not in (handle.session_dir / "agent.log").read_text()
    assert is_gone(handle.pid)


def test_real_agent_kill_9_mid_interview(
    make_supervisor: Any, settings: Settings, ended: Ended, fake_llm: Any
) -> None:
    sup = real_supervisor(make_supervisor, settings, pool_size=0)
    handle = sup.start(real_spec("iv_real_kill", fake_llm.base_url))
    sup.send("iv_real_kill", {"type": "user_text", "text": "My first answer."})
    assert eventually(lambda: len(turns(handle.events_path)) >= 3, timeout=15.0)
    before = turns(handle.events_path)

    os.kill(handle.pid, signal.SIGKILL)
    killed_at = time.monotonic()

    assert ended.wait("iv_real_kill", timeout=2.0) == "error"
    assert ended.at["iv_real_kill"] - killed_at <= 2.0
    assert turns(handle.events_path)[: len(before)] == before
    events = read_events(handle.events_path)
    assert [e["type"] for e in events[-2:]] == ["error", "ended"]
    assert events[-1]["reason"] == "error"


def test_start_without_waiting_returns_before_ready(make_supervisor: Any, ended: Ended) -> None:
    sup = make_supervisor()
    handle = sup.start(make_spec("iv_nowait", ready_delay=1.0), wait=False)
    assert handle.start_seconds is None and sup.status("iv_nowait").state == "starting"
    assert eventually(lambda: sup.status("iv_nowait").state == "running", timeout=5.0)
    sup.send("iv_nowait", {"type": "user_text", "text": "Hi."})
    assert eventually(lambda: "You said: Hi." in turns(handle.events_path))
    assert sup.end("iv_nowait") == "user_ended"
    assert ended.calls == {"iv_nowait": "user_ended"}


def test_failed_start_without_waiting_is_reported_as_an_end(
    make_supervisor: Any, ended: Ended
) -> None:
    sup = make_supervisor()
    spec = make_spec("iv_nowait_fail", exit_code=3, stderr="stub agent: no room today")
    handle = sup.start(spec, wait=False)
    assert ended.wait("iv_nowait_fail", timeout=5.0) == "error"
    events = read_events(handle.events_path)
    assert [e["type"] for e in events[-2:]] == ["error", "ended"]
    assert "no room today" in events[-2]["message"]
    assert sup.active_sessions() == []
    assert is_gone(handle.pid)


def test_end_during_start_is_the_users_end_not_an_error(make_supervisor: Any, ended: Ended) -> None:
    sup = make_supervisor()
    handle = sup.start(make_spec("iv_end_early", never_ready=True), wait=False)
    sup.end("iv_end_early")
    assert ended.wait("iv_end_early", timeout=5.0) == "user_ended"
    events = read_events(handle.events_path)
    assert [e["type"] for e in events] == ["ended"]
    assert events[-1]["reason"] == "user_ended"
    assert sup.status("iv_end_early").end_reason == "user_ended"
    assert is_gone(handle.pid)


def test_a_data_folder_turned_read_only_mid_session_still_frees_the_slot(
    make_supervisor: Any, ended: Ended, settings: Settings, monkeypatch: Any, caplog: Any
) -> None:
    """Simulated, as tests run as root (who writes through any mode): from the kill on,
    every supervisor write into the session folder fails with EROFS at its seams."""
    import mockflow.launch.local.supervisor
    import mockflow.launch.records

    sup = make_supervisor(settings=settings.with_overrides(max_sessions=1))
    handle = sup.start(make_spec("iv_readonly"))

    def read_only(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(mockflow.launch.records, "EventWriter", read_only)
    monkeypatch.setattr(mockflow.launch.local.supervisor, "remove_pid_file", read_only)
    os.kill(handle.pid, signal.SIGKILL)

    assert ended.wait("iv_readonly", timeout=5.0) == "error"
    assert sup.active_sessions() == []
    assert "Read-only file system" in caplog.text
    monkeypatch.undo()
    again = sup.start(make_spec("iv_after"))  # the one slot is free again
    assert sup.end(again.session_id) == "user_ended"
