"""One agent process: spawned with pipes in its own process group, warm handshake, stops.

The process is either a `Popen` (a cold start) or a `ForkedChild` (forked by the fork
server); both offer the same pipes, `poll`, `wait` and signals.

The agent prints `{"warm": true, ...}` on stdout once its imports are done, then blocks
on stdin. Its stdout and stderr are drained by two daemon threads so a chatty agent can
never block on a full pipe; only the last few stderr lines are kept, for error messages.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import psutil

import mockflow

if TYPE_CHECKING:
    from mockflow.launch.local.forked import ForkedChild

log = logging.getLogger(__name__)

_MAX_READ = 8192
AGENT_MODULE = "mockflow.agent"
_PACKAGE_PARENT = Path(mockflow.__file__).resolve().parent.parent  # the folder holding it


@dataclass(frozen=True)
class AgentCommand:
    """How the app starts an agent: the argv before any sub-command, and the folder it runs
    in. By default the module `python -m mockflow.agent` (a checkout or an installed
    package alike); tests and benchmarks may name a script instead."""

    argv: tuple[str, ...]
    cwd: str

    @classmethod
    def module(cls) -> AgentCommand:
        return cls((sys.executable, "-m", AGENT_MODULE), str(_PACKAGE_PARENT))

    @classmethod
    def script(cls, path: Path) -> AgentCommand:
        return cls((sys.executable, str(path)), str(Path(path).resolve().parent))

    @classmethod
    def of(cls, script: Path | None) -> AgentCommand:
        return cls.module() if script is None else cls.script(script)


class AgentProcess:
    """A running agent process; every method is safe to call after the process died."""

    def __init__(self, popen: subprocess.Popen[bytes] | ForkedChild) -> None:
        self._popen = popen
        self.pid = popen.pid
        self.spawned_at = time.monotonic()
        self._warm = threading.Event()
        self._stdin_lock = threading.Lock()
        self._stderr: deque[str] = deque(maxlen=20)
        self._ps, self.create_time = _inspect(popen.pid)
        assert popen.stdout is not None and popen.stderr is not None
        self._readers = [
            _daemon(self._read_stdout, popen.stdout, f"agent-{self.pid}-out"),
            _daemon(self._read_stderr, popen.stderr, f"agent-{self.pid}-err"),
        ]

    @classmethod
    def spawn(cls, command: AgentCommand, env: Mapping[str, str]) -> AgentProcess:
        """Start the agent; its arguments carry nothing but how to find it."""
        popen = subprocess.Popen(
            list(command.argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            cwd=command.cwd,
            close_fds=True,
            start_new_session=True,
        )
        return cls(popen)

    @property
    def warm(self) -> bool:
        return self._warm.is_set()

    def wait_warm(self, timeout: float) -> bool:
        return self._warm.wait(timeout)

    def poll(self) -> int | None:
        return self._popen.poll()

    @property
    def alive(self) -> bool:
        return self._popen.poll() is None

    def wait(self, timeout: float) -> bool:
        """Whether the process exited within `timeout` seconds."""
        try:
            self._popen.wait(timeout=max(timeout, 0.0))
        except subprocess.TimeoutExpired:
            return False
        return True

    def send(self, message: Mapping[str, Any]) -> bool:
        """Write one JSON line to stdin; False if the process no longer reads it."""
        line = json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n"
        stdin = self._popen.stdin
        with self._stdin_lock:
            if stdin is None or stdin.closed:
                return False
            try:
                stdin.write(line.encode("utf-8"))
                stdin.flush()
            except (BrokenPipeError, ValueError, OSError):
                return False
        return True

    def close_stdin(self) -> None:
        """EOF on the agent's stdin: the agent finishes its turn and exits (app_gone)."""
        with self._stdin_lock:
            stdin = self._popen.stdin
            if stdin is not None and not stdin.closed:
                with contextlib.suppress(OSError):
                    stdin.close()

    def terminate(self) -> None:
        self._signal_group(signal.SIGTERM)

    def kill(self) -> None:
        self._signal_group(signal.SIGKILL)

    def stop(self, grace: float, term_grace: float = 3.0) -> int | None:
        """Wait `grace` s for an exit already asked for, then SIGTERM, then SIGKILL."""
        if not self.wait(grace):
            log.info("agent %s: no exit after %.1f s; terminating", self.pid, grace)
            self.halt(term_grace)
        return self.poll()

    def halt(self, term_grace: float = 3.0) -> int | None:
        """SIGTERM now; SIGKILL if still alive after `term_grace` s."""
        self.terminate()
        if not self.wait(term_grace):
            log.warning("agent %s: still alive after SIGTERM; killing", self.pid)
            self.kill()
            self.wait(5.0)
        return self.poll()

    def last_stderr_line(self, settle: float = 0.5) -> str:
        """The last non-empty stderr line (waits briefly for the reader to drain)."""
        if self.poll() is not None:
            self._readers[1].join(settle)
        return self._stderr[-1] if self._stderr else ""

    def resources(self) -> tuple[int, float]:
        """(RSS bytes, CPU percent since the previous call) of the agent process."""
        if self._ps is None:
            return 0, 0.0
        try:
            with self._ps.oneshot():
                return self._ps.memory_info().rss, self._ps.cpu_percent(None)
        except psutil.Error:
            return 0, 0.0

    def release(self) -> None:
        """Close the pipes of a dead process."""
        self.close_stdin()
        for reader in self._readers:
            reader.join(0.5)

    def _signal_group(self, sig: signal.Signals) -> None:
        # Only while the leader is unreaped: its pid (= group id) cannot have been reused.
        if self._popen.poll() is not None:
            return
        signal_group = getattr(self._popen, "signal_group", None)
        if signal_group is not None:  # a fork server's child: signalled through its pidfd
            signal_group(sig)
            return
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass
        except PermissionError:
            with contextlib.suppress(OSError):
                self._popen.send_signal(sig)

    def _read_stdout(self, stream: IO[bytes]) -> None:
        with stream:
            first = stream.readline(_MAX_READ)
            if _is_warm_line(first):
                self._warm.set()
            elif first:
                log.warning("agent %s: unexpected first stdout line", self.pid)
            while stream.readline(_MAX_READ):
                pass

    def _read_stderr(self, stream: IO[bytes]) -> None:
        with stream:
            while raw := stream.readline(_MAX_READ):
                line = raw.decode("utf-8", "replace").strip()
                if line:
                    self._stderr.append(line)


def _is_warm_line(raw: bytes) -> bool:
    try:
        message = json.loads(raw)
    except ValueError:
        return False
    return isinstance(message, dict) and message.get("warm") is True


def _inspect(pid: int) -> tuple[psutil.Process | None, float]:
    try:
        process = psutil.Process(pid)
        create_time = process.create_time()
        process.cpu_percent(None)
    except psutil.Error:
        return None, 0.0
    return process, create_time


def _daemon(target: Any, stream: IO[bytes], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, args=(stream,), name=name, daemon=True)
    thread.start()
    return thread
