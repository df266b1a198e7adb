"""Local voice without a LiveKit account: the app's own `livekit-server --dev` on loopback.

In local (single-user) mode with no LiveKit URL configured, the app starts a LiveKit
server binary it finds (`MOCKFLOW_LIVEKIT_SERVER`, else `livekit-server` on PATH) as a
supervised child bound to 127.0.0.1, and voice interviews
use it with its own dev credentials. Those credentials are made at start-up and live only
in this process and the child's environment: they are never stored as the user's keys.

Supervision: a watcher thread notices the server exiting; it is restarted once, on the
same ports, and the restart is reported in the status; a second exit leaves voice off
with the reason. A port already taken at start-up is a clear message, and voice falls
back to "needs a LiveKit URL". Never started in public-link mode or on a Space (the
caller decides; `wanted` says when).
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mockflow.launch.livekit.server import (
    LiveKitServerError,
    LocalLiveKitServer,
    ServerPorts,
)
from mockflow.launch.strays import ChildPidFiles

log = logging.getLogger(__name__)

BINARY_ENV = "MOCKFLOW_LIVEKIT_SERVER"
PORT_ENV = "MOCKFLOW_LIVEKIT_PORT"  # the HTTP/WebSocket port; RTC uses the next two
DEFAULT_PORT = 7880  # LiveKit's own default
PID_NAME = "livekit-server"  # its pid file while it runs: <data>/run/livekit-server.pid
WATCH_SECONDS = 1.0
INSTALL_HINT = (
    "Voice needs a LiveKit server: enter a LiveKit Cloud URL and keys below, or install "
    "`livekit-server` (https://docs.livekit.io/home/self-hosting/local/) and restart the app "
    "to practise by voice on this computer without an account."
)


@dataclass(frozen=True)
class VoiceServerStatus:
    state: str  # running | failed | not_installed | off
    message: str
    url: str | None = None


def wanted(public: bool, on_space: bool, livekit_url: str | None) -> bool:
    """Local mode on the user's own machine with no LiveKit URL configured."""
    return not public and not on_space and not livekit_url


class EmbeddedVoiceServer:
    """The app's supervised local LiveKit server (see the module docstring)."""

    def __init__(self, server: LocalLiveKitServer, pid_files: ChildPidFiles | None = None) -> None:
        self.server = server
        self.pid_files = pid_files
        self._lock = threading.RLock()
        self._restarted = False
        self._failed: str | None = None
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    @classmethod
    def find(
        cls, env: Mapping[str, str], data_dir: Path, pid_files: ChildPidFiles | None = None
    ) -> EmbeddedVoiceServer | None:
        """A server ready to start, or None when no binary is installed."""
        binary = _binary(env)
        if binary is None:
            return None
        port = _port(env.get(PORT_ENV))
        log_path = Path(data_dir) / "livekit-server.log"
        ports = ServerPorts(port, port + 1, port + 2)
        extra = pid_files.env() if pid_files is not None else {}
        return cls(LocalLiveKitServer(binary, log_path, ports, extra_env=extra), pid_files)

    @property
    def url(self) -> str:
        return self.server.url

    def credentials(self) -> tuple[str, str, str] | None:
        """(url, API key, API secret) while the server runs, else None."""
        if not self.running():
            return None
        return self.server.url, self.server.api_key, self.server.api_secret

    def running(self) -> bool:
        with self._lock:  # a restart under way finishes first
            return self._failed is None and self.server.running()

    def start(self, timeout: float = 15.0) -> bool:
        """Start and watch the server; False (with the reason in `status`) if it can't."""
        try:
            self.server.start(timeout)
        except LiveKitServerError as exc:
            self._failed = str(exc)
            log.warning("local LiveKit server not started: %s", exc)
            return False
        self._record()
        log.info("local LiveKit server running at %s", self.server.url)
        self._watcher = threading.Thread(target=self._watch, name="livekit-server", daemon=True)
        self._watcher.start()
        return True

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            self.server.stop()
            if self.pid_files is not None:
                self.pid_files.forget(PID_NAME)
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join(5)

    def status(self) -> VoiceServerStatus:
        with self._lock:  # a restart under way finishes first
            return self._status()

    def _status(self) -> VoiceServerStatus:
        if self._failed is not None:
            return VoiceServerStatus("failed", f"{self._failed} {INSTALL_HINT}")
        if not self.server.running():
            return VoiceServerStatus("off", "The local voice server is stopped.")
        message = f"Voice server: local LiveKit server running ({self.server.url})."
        if self._restarted:
            message += " It stopped unexpectedly once and was restarted."
        return VoiceServerStatus("running", message, self.server.url)

    def _watch(self) -> None:
        while not self._stopping.wait(WATCH_SECONDS):
            with self._lock:
                if self._stopping.is_set() or self.server.running():
                    continue
                self._on_exit()
                if self._failed is not None:
                    return

    def _on_exit(self) -> None:
        if self._restarted:
            self._failed = "The local voice server stopped twice and was not restarted again."
            log.error("local LiveKit server exited again; voice is off")
            return
        self._restarted = True
        log.warning("local LiveKit server exited; restarting it once")
        try:
            self.server.start()
        except LiveKitServerError as exc:
            self._failed = f"The local voice server stopped and could not restart: {exc}"
            return
        self._record()

    def _record(self) -> None:
        pid = self.server.pid
        if self.pid_files is not None and pid is not None:
            self.pid_files.record(PID_NAME, pid)


def not_installed() -> VoiceServerStatus:
    return VoiceServerStatus("not_installed", INSTALL_HINT)


def _binary(env: Mapping[str, str]) -> Path | None:
    for candidate in (env.get(BINARY_ENV), shutil.which("livekit-server", path=env.get("PATH"))):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def _port(value: str | None) -> int:
    try:
        port = int(value or DEFAULT_PORT)
    except ValueError:
        return DEFAULT_PORT
    return port if 1024 <= port <= 65533 else DEFAULT_PORT
