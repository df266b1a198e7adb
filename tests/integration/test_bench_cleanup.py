"""A bench stopped with SIGTERM or Ctrl+C (SIGINT) stops everything it started and says so
(issue 26, item 4): `bench/voice_capacity_livekit.py` with one interview runs a real
LiveKit server, the fake providers, the app's fork server and agent, and a candidates'
process; interrupted mid-conversation, none of them is left running, and the bench names
what it stopped. Before `bench/cleanup.py` a SIGTERM left the server and the agent (each
in a session of its own) running."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.conftest import livekit_binary
from tests.waiting import eventually

pytestmark = [pytest.mark.integration, pytest.mark.livekit]
ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "voice_capacity_livekit.py"
UP_TIMEOUT = 300.0  # imports, the server, the fork server, an agent's greeting: a loaded CPU
STOP_TIMEOUT = 120.0


class Bench:
    """The bench as a child of this test, its output collected as it comes."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.out: list[str] = []
        self.err: list[str] = []
        self.seen: list[psutil.Process] = []  # what it had started, to clean up after a failure
        self._readers = [
            threading.Thread(target=self._read, args=(proc.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(proc.stderr, self.err), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream, lines: list[str]) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            lines.append(line)

    def said(self) -> str:
        return "".join(self.out + self.err)

    def finish(self) -> str:
        for reader in self._readers:
            reader.join(10)
        return self.said()


@pytest.fixture
def bench() -> Iterator[Bench]:
    env = {**os.environ, "MOCKFLOW_TEST_LIVEKIT_SERVER": str(livekit_binary())}
    proc = subprocess.Popen(
        [sys.executable, str(BENCH), "--sessions", "1", "--seconds", "600", "--per-process", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    running = Bench(proc)
    yield running
    if proc.poll() is None:  # a failed test: take everything down
        running.seen += _started_by(proc.pid)
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    for left in running.seen:
        with contextlib.suppress(psutil.Error):
            left.kill()


def _started_by(pid: int) -> list[psutil.Process]:
    """The bench's processes: its descendants, whatever session each runs in."""
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _names(procs: list[psutil.Process]) -> list[str]:
    names = []
    for proc in procs:
        try:
            names.append(" ".join(proc.cmdline()))
        except psutil.Error:
            names.append(f"pid {proc.pid} (gone)")
    return names


def _gone(proc: psutil.Process) -> bool:
    try:
        return not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_an_interrupted_bench_stops_the_server_agents_and_candidates_it_started(bench, signum):
    # up: the header is printed once the server and the app's services run; then the
    # interview's agent and the candidates' process start
    def conversation_running() -> bool:
        names = " ".join(_names(_started_by(bench.proc.pid)))
        return "--candidates" in names and "livekit-server" in names

    assert eventually(
        lambda: "frame lag p99" in bench.said() and conversation_running() or bench.proc.poll(),
        timeout=UP_TIMEOUT,
        step=0.2,
    ), f"the bench did not get going:\n{bench.said()}"
    assert bench.proc.poll() is None, f"the bench ended by itself:\n{bench.finish()}"
    started = bench.seen = _started_by(bench.proc.pid)
    server = [p for p in started if p.name() == "livekit-server"]
    assert server, _names(started)

    os.kill(bench.proc.pid, signum)  # the bench alone, not its group: no child is told
    bench.proc.wait(STOP_TIMEOUT)
    said = bench.finish()

    assert bench.proc.returncode == 128 + signum, said
    assert eventually(lambda: all(_gone(p) for p in started), timeout=30), (
        f"left running: {_names([p for p in started if not _gone(p)])}\n{said}"
    )
    stopped = said[said.index(f"bench: {signal.Signals(signum).name}, stopped what it") :]
    assert f"livekit-server (pid {server[0].pid})" in stopped
    assert "voice_capacity_livekit.py --candidates" in stopped
    assert "voice_capacity_livekit.py --serve-fakes" in stopped
    assert "mockflow.agent forkserver" in stopped  # the fork server, whose agent runs
