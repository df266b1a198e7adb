# ruff: noqa: F811  (the fixtures of test_supervisor are imported, then named as parameters)
"""The fork server with real processes: the real agent forked per interview, and the stub.

Each forked interview is checked to be a child of the fork server (its parent pid), so a
test cannot pass on a silent cold start.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

import psutil
import pytest

from mockflow.config import Settings
from mockflow.contracts.events import read_events
from mockflow.launch import SessionStartError, Supervisor
from mockflow.launch.local.environment import child_environment
from mockflow.launch.local.forked import EXIT_UNKNOWN
from tests.integration.test_supervisor import (
    PARENT_SECRETS,
    REAL_KEY,
    ROOT,
    SPEC_KEY,
    Ended,
    ended,  # noqa: F401
    is_gone,
    make_spec,
    make_supervisor,  # noqa: F401
    real_spec,
    settings,  # noqa: F401
    turns,
)
from tests.waiting import eventually

pytestmark = pytest.mark.integration


@pytest.fixture
def fork_settings(settings: Settings) -> Settings:
    return settings.with_overrides(fork_server=True)


@pytest.fixture
def forking(make_supervisor: Any, fork_settings: Settings) -> Any:
    """A supervisor whose fork server (of the stub agent) is ready."""

    def make(**overrides: Any) -> Supervisor:
        sup = make_supervisor(settings=overrides.pop("settings", fork_settings), **overrides)
        assert sup.wait_fork_server(30.0)
        return sup

    return make


def parent_of(pid: int) -> int:
    return psutil.Process(pid).ppid()


def environ_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode()
    return dict(item.split("=", 1) for item in raw.split("\0") if item)


def test_forked_real_agent_runs_a_text_interview_with_keys_only_on_stdin(
    forking: Any, fork_settings: Settings, ended: Ended, fake_llm: Any
) -> None:
    sup = forking(
        settings=fork_settings.with_overrides(ready_timeout_seconds=30.0),
        agent_script=ROOT / "agent_entry.py",
        end_grace_seconds=10.0,
    )
    server = sup.fork_server_pid()
    assert server is not None
    assert os.listdir(f"/proc/{server}/task") == [str(server)]  # no thread to lose in a fork

    handle = sup.start(real_spec("iv_fork_real", fake_llm.base_url))
    assert parent_of(handle.pid) == server
    assert eventually(lambda: len(turns(handle.events_path)) >= 1, timeout=15.0)
    sup.send("iv_fork_real", {"type": "user_text", "text": "I led the ledger migration."})
    assert eventually(lambda: len(turns(handle.events_path)) >= 3, timeout=15.0)

    marker = (fork_settings.data_dir / "agent.marker").read_text().strip()
    expected = child_environment(
        {**os.environ, **PARENT_SECRETS}, marker=marker, log_level=fork_settings.log_level
    )
    assert environ_of(handle.pid) == expected
    assert environ_of(server) == expected
    for pid in (handle.pid, server):
        for path in (f"/proc/{pid}/cmdline", f"/proc/{pid}/environ"):
            content = Path(path).read_bytes().decode()
            assert REAL_KEY not in content
            assert all(secret not in content for secret in PARENT_SECRETS.values())

    assert sup.end("iv_fork_real") == "user_ended"
    assert ended.calls == {"iv_fork_real": "user_ended"}
    assert sup.status("iv_fork_real").exit_code == 0
    assert "I led the ledger migration." in turns(handle.events_path)
    assert read_events(handle.events_path)[-1]["reason"] == "user_ended"
    log_text = (handle.session_dir / "agent.log").read_text()
    assert "interview ended: user_ended" in log_text and REAL_KEY not in log_text
    assert is_gone(handle.pid)


def test_forked_children_do_not_share_random_state(forking: Any) -> None:
    sup = forking()
    first = sup.start(make_spec("iv_rand_1"))
    second = sup.start(make_spec("iv_rand_2"))
    assert parent_of(first.pid) == parent_of(second.pid) == sup.fork_server_pid()
    sup.send("iv_rand_1", {"type": "user_text", "text": "hi"})
    sup.send("iv_rand_2", {"type": "user_text", "text": "hi"})
    assert eventually(lambda: len(turns(first.events_path)) >= 3)
    assert eventually(lambda: len(turns(second.events_path)) >= 3)
    tokens = [read_events(h.events_path)[0].get("random") for h in (first, second)]
    assert None not in tokens and tokens[0] != tokens[1]


def test_forked_child_runs_with_exactly_the_launch_environment(
    forking: Any, fork_settings: Settings
) -> None:
    sup = forking()
    handle = sup.start(make_spec("iv_fork_env"))
    assert parent_of(handle.pid) == sup.fork_server_pid()
    marker = (fork_settings.data_dir / "agent.marker").read_text().strip()
    expected = child_environment(
        {**os.environ, **PARENT_SECRETS}, marker=marker, log_level=fork_settings.log_level
    )
    names = read_events(handle.events_path)[0]["env"]
    assert names == sorted(expected)  # not the server's OPENBLAS_NUM_THREADS, no key
    assert "OPENBLAS_NUM_THREADS" not in names


def test_crash_of_a_forked_child_is_reported_with_its_exit_code(forking: Any, ended: Ended) -> None:
    sup = forking()
    handle = sup.start(make_spec("iv_fork_crash", crash_after_turns=2))
    assert parent_of(handle.pid) == sup.fork_server_pid()
    sup.send("iv_fork_crash", {"type": "user_text", "text": "Hello."})

    assert ended.wait("iv_fork_crash", timeout=5.0) == "error"
    assert sup.status("iv_fork_crash").exit_code == 1
    assert "exit code 1" in read_events(handle.events_path)[-2]["message"]


def test_kill_9_of_a_forked_child_is_reported_as_sigkill(forking: Any, ended: Ended) -> None:
    sup = forking()
    handle = sup.start(make_spec("iv_fork_kill"))
    os.kill(handle.pid, signal.SIGKILL)

    assert ended.wait("iv_fork_kill", timeout=5.0) == "error"
    assert sup.status("iv_fork_kill").exit_code == -signal.SIGKILL
    assert "killed by SIGKILL" in read_events(handle.events_path)[-2]["message"]


def test_end_escalates_to_sigkill_for_a_forked_child(forking: Any, ended: Ended) -> None:
    sup = forking(end_grace_seconds=0.5, stop_grace_seconds=0.5)
    handle = sup.start(make_spec("iv_fork_stubborn", ignore_end=True, ignore_term=True))
    assert parent_of(handle.pid) == sup.fork_server_pid()

    assert sup.end("iv_fork_stubborn") == "user_ended"
    assert sup.status("iv_fork_stubborn").exit_code == -signal.SIGKILL
    assert is_gone(handle.pid)
    assert ended.calls == {"iv_fork_stubborn": "user_ended"}


def test_start_failure_of_a_forked_child_reports_its_stderr(forking: Any) -> None:
    sup = forking()
    spec = make_spec("iv_fork_bad", exit_code=2, stderr=f"launch spec: key {SPEC_KEY} refused")
    with pytest.raises(SessionStartError) as caught:
        sup.start(spec)
    assert str(caught.value).startswith("The interviewer rejected its launch settings:")
    assert SPEC_KEY not in str(caught.value)


def test_killed_fork_server_is_restarted_and_starts_keep_working(
    forking: Any, fork_settings: Settings, ended: Ended, caplog: pytest.LogCaptureFixture
) -> None:
    sup = forking(settings=fork_settings.with_overrides(max_sessions=3))
    first_server = sup.fork_server_pid()
    assert first_server is not None
    running = sup.start(make_spec("iv_before"))

    os.kill(first_server, signal.SIGKILL)
    assert eventually(lambda: is_gone(first_server))
    meanwhile = sup.start(make_spec("iv_meanwhile"))  # cold or forked by a new server
    sup.send("iv_meanwhile", {"type": "user_text", "text": "Still here."})
    assert eventually(lambda: "You said: Still here." in turns(meanwhile.events_path))

    assert eventually(lambda: sup.fork_server_pid() not in (None, first_server), timeout=10.0)
    assert sup.wait_fork_server(10.0)
    after = sup.start(make_spec("iv_after"))
    assert parent_of(after.pid) == sup.fork_server_pid()
    assert "fork server" in caplog.text and "exited" in caplog.text

    # the child of the dead server still runs, and its end is still seen
    sup.send("iv_before", {"type": "user_text", "text": "Orphaned?"})
    assert eventually(lambda: "You said: Orphaned?" in turns(running.events_path))
    os.kill(running.pid, signal.SIGKILL)
    assert ended.wait("iv_before", timeout=5.0) == "error"
    assert sup.status("iv_before").exit_code == EXIT_UNKNOWN


def test_close_stops_the_fork_server(forking: Any, ended: Ended) -> None:
    sup = forking()
    server = sup.fork_server_pid()
    handle = sup.start(make_spec("iv_fork_close"))
    sup.close()
    assert ended.calls == {"iv_fork_close": "app_gone"}
    assert sup.status("iv_fork_close").exit_code == 0
    assert server is not None and is_gone(server) and is_gone(handle.pid)


def test_twenty_concurrent_forked_starts_all_become_ready(
    forking: Any, fork_settings: Settings, fake_llm: Any
) -> None:
    count = 20
    sup = forking(
        settings=fork_settings.with_overrides(max_sessions=count, ready_timeout_seconds=60.0),
        agent_script=ROOT / "agent_entry.py",
    )
    barrier = threading.Barrier(count)
    handles: dict[str, Any] = {}
    errors: list[BaseException] = []

    def start(session_id: str) -> None:
        barrier.wait()
        try:
            handles[session_id] = sup.start(real_spec(session_id, fake_llm.base_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(f"iv_many_{i:02d}",)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(handles) == count
    server = sup.fork_server_pid()
    for handle in handles.values():
        assert read_events(handle.events_path)[0]["type"] == "ready"
        assert parent_of(handle.pid) == server
