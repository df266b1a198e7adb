"""A loopback child server the app starts by command and watches: one for each local model engine.

`SupervisedServer(ChildCommand(...), log_dir).start()` picks a port (the wanted one when it
is free, else any free one), starts the command with a short allowlisted environment (no
keys of the app's own travel to it), its stdout and stderr appended to
`<log_dir>/<log_name>.log`, and returns once the health URL answers 200 — a model loading on
a busy 2-core machine can take 30 s or more, so the timeout is generous and configurable.

A watcher thread notices the child exiting: it is restarted once (on the same port when
still free), and the restart shows in `status()`; a second exit leaves it `failed` with the
reason. `stop()` sends SIGTERM to the child's process group, SIGKILL after 5 s; calling it
twice is fine. Same spirit as `mockflow.launch.livekit.embedded` for the LiveKit server.

argv never carries a secret: it is written to the log.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mockflow.errors import MockflowError
from mockflow.launch.strays import ChildPidFiles
from mockflow.private_files import make_private_dir

log = logging.getLogger(__name__)

STOP_GRACE = 5.0
HEALTH_POLL = 0.25
WATCH_SECONDS = 0.5
LOG_KEEP_BYTES = 10_000_000  # past this, a start moves the log to `<name>.log.1`
ENV_ALLOWED = (
    "PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "PYTHONPATH",
    "VIRTUAL_ENV", "LD_LIBRARY_PATH", "XDG_CACHE_HOME", "HF_HOME",
)  # fmt: skip


class ChildServerError(MockflowError):
    """A local model server could not start, or stopped and could not be brought back."""


@dataclass(frozen=True)
class ChildCommand:
    """How to run one server: `argv(port)` is its command line for a given port."""

    name: str  # for messages: "the local language model server (llama.cpp)"
    argv: Callable[[int], list[str]]
    health_path: str
    log_name: str
    env: Mapping[str, str] = field(default_factory=dict)
    wanted_port: int | None = None
    cwd: Path | None = None
    start_timeout: float = 180.0


@dataclass(frozen=True)
class ChildStatus:
    state: str  # stopped | starting | running | failed
    reason: str | None  # why it failed
    restarts: int
    port: int | None


def child_env(extra: Mapping[str, str], env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The allowlisted part of `env` (default: this process's) plus `extra`."""
    source = os.environ if env is None else env
    kept = {name: source[name] for name in ENV_ALLOWED if name in source}
    return {**kept, **extra}


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def choose_port(wanted: int | None) -> int:
    """`wanted` when nothing listens on it on 127.0.0.1, else a free port the system picks."""
    if wanted and port_is_free(wanted):
        return wanted
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SupervisedServer:
    """One supervised child server on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        command: ChildCommand,
        log_dir: Path,
        *,
        watch_interval: float = WATCH_SECONDS,
        pid_files: ChildPidFiles | None = None,
    ) -> None:
        self.command = command
        self.pid_files = pid_files
        self.log_path = Path(log_dir) / f"{command.log_name}.log"
        self.watch_interval = watch_interval
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._cond = threading.Condition(threading.RLock())
        self._state = "stopped"
        self._reason: str | None = None
        self._restarts = 0
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self._log_start = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None else None

    def status(self) -> ChildStatus:
        with self._cond:
            return ChildStatus(self._state, self._reason, self._restarts, self.port)

    def start(self) -> None:
        """Start (or wait for a start under way) until it answers; raise `ChildServerError`."""
        with self._cond:
            self._cond.wait_for(lambda: self._state != "starting")
            if self._state == "running":
                return
            if self._state == "failed":
                raise ChildServerError(self._reason or f"{self.command.name} failed.")
            self._state, self._reason = "starting", None
            self._stopping.clear()
        try:
            self._launch(self.command.wanted_port)
        except ChildServerError as exc:
            self._settle("failed", str(exc))
            raise
        self._settle("running")
        if self._watcher is None or not self._watcher.is_alive():
            self._watcher = threading.Thread(
                target=self._watch, name=f"watch-{self.command.log_name}", daemon=True
            )
            self._watcher.start()

    def wait_running(self, timeout: float) -> bool:
        """Whether it is running once any start or restart under way has finished."""
        with self._cond:
            self._cond.wait_for(lambda: self._state != "starting", timeout)
            return self._state == "running"

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 5 s; the watcher stops too. Idempotent."""
        self._stopping.set()
        with self._cond:
            proc, self._proc = self._proc, None
            self._state, self._reason, self._restarts = "stopped", None, 0
            self._cond.notify_all()
        _terminate(proc)
        if self.pid_files is not None:
            self.pid_files.forget(self.command.log_name)
        watcher = self._watcher
        if watcher is not None and watcher is not threading.current_thread():
            watcher.join(STOP_GRACE + 2)

    def _settle(self, state: str, reason: str | None = None) -> None:
        with self._cond:
            if self._stopping.is_set():
                state, reason = "stopped", None
            self._state, self._reason = state, reason
            self._cond.notify_all()

    def _launch(self, wanted: int | None) -> None:
        """Spawn and wait for health; one more port if the chosen one was taken meanwhile."""
        for attempt in range(2):
            port = choose_port(wanted if attempt == 0 else None)
            try:
                self._spawn(port)
                self._wait_healthy()
                return
            except _PortTaken:
                log.info("%s: port %d was taken, choosing another", self.command.name, port)
        raise ChildServerError(f"{_cap(self.command.name)} found no free port on 127.0.0.1.")

    def _spawn(self, port: int) -> None:
        make_private_dir(self.log_path.parent)
        with contextlib.suppress(OSError):  # llama.cpp logs every request's timings
            if self.log_path.stat().st_size > LOG_KEEP_BYTES:
                os.replace(self.log_path, self.log_path.with_name(self.log_path.name + ".1"))
        argv = self.command.argv(port)
        with open(self.log_path, "ab") as out:
            out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {argv}\n".encode())
            out.flush()
            self._log_start = out.tell()
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**self.command.env, **(self.pid_files.env() if self.pid_files else {})},
                cwd=self.command.cwd,
                start_new_session=True,
            )
        with self._cond:
            self._proc, self.port = proc, port
        if self.pid_files is not None:
            self.pid_files.record(self.command.log_name, proc.pid)

    def _wait_healthy(self) -> None:
        proc, timeout = self._proc, self.command.start_timeout
        assert proc is not None
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}{self.command.health_path}"
        while time.monotonic() < deadline:
            if self._stopping.is_set():
                _terminate(proc)
                raise ChildServerError(f"{_cap(self.command.name)} was stopped while starting.")
            if proc.poll() is not None:
                raise self._exit_error(proc)
            if _answers(url):
                return
            self._stopping.wait(HEALTH_POLL)
        _terminate(proc)
        raise ChildServerError(
            f"{_cap(self.command.name)} did not answer within {timeout:g} s; "
            f"see its log at {self.log_path}."
        )

    def _exit_error(self, proc: subprocess.Popen[bytes]) -> ChildServerError:
        tail = self._log_tail()
        if "address already in use" in tail.lower():
            return _PortTaken()
        last = next((line for line in reversed(tail.splitlines()) if line.strip()), "")
        detail = f": {last.strip()[:300]}" if last else ""
        return ChildServerError(
            f"{_cap(self.command.name)} exited while starting (exit code {proc.returncode})"
            f"{detail}. See its log at {self.log_path}."
        )

    def _log_tail(self, chars: int = 4000) -> str:
        try:
            with open(self.log_path, "rb") as handle:
                handle.seek(max(self._log_start, handle.seek(0, os.SEEK_END) - chars))
                return handle.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def _watch(self) -> None:
        while not self._stopping.wait(self.watch_interval):
            proc = self._proc
            if proc is None or proc.poll() is None or self._stopping.is_set():
                continue
            with self._cond:
                if self._state != "running" or self._proc is not proc:
                    continue
                self._state = "starting"
            self._on_exit(proc.returncode)
            if self.status().state == "failed":
                return

    def _on_exit(self, code: int | None) -> None:
        name = _cap(self.command.name)
        if self._restarts >= 1:
            log.error("%s exited again (exit code %s); not restarting it", name, code)
            reason = (
                f"{name} stopped twice (last exit code {code}); see its log at {self.log_path}."
            )
            self._settle("failed", reason)
            return
        self._restarts += 1
        log.warning("%s exited (exit code %s); restarting it once", name, code)
        try:
            self._launch(self.port)
        except ChildServerError as exc:
            self._settle("failed", f"{name} stopped and could not restart: {exc}")
            return
        self._settle("running")


class _PortTaken(ChildServerError):
    """The chosen port was taken between choosing it and the child binding it."""


def _answers(url: str) -> bool:
    with (
        contextlib.suppress(urllib.error.URLError, OSError, ValueError),
        urllib.request.urlopen(url, timeout=2) as answer,
    ):
        return bool(answer.status == 200)
    return False


def _terminate(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    _signal_group(proc, signal.SIGTERM)
    try:
        proc.wait(STOP_GRACE)
        return
    except subprocess.TimeoutExpired:
        _signal_group(proc, signal.SIGKILL)
    proc.wait(STOP_GRACE)


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signum)  # start_new_session: the child leads its own group


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
