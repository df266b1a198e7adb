"""A LiveKit server binary (`livekit-server`) run as a child process, in dev mode on loopback.

The test suite runs the real SFU this way, and so can the app for local voice practice
without a LiveKit account. The configuration, API secret included, travels in the
child's environment (`LIVEKIT_CONFIG`), never in argv or a file. Each instance has its own
ports (HTTP/WebSocket, RTC over TCP, one UDP port), so several can run side by side, and
`restart()` brings one back on the same ports (a server that went away and came back).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mockflow.errors import MockflowError
from mockflow.private_files import make_private_dir

DEFAULT_API_KEY = "devkey"
VERSION = "v1.13.5"  # what scripts/test.sh builds
LOG_TAIL_CHARS = 2000


class LiveKitServerError(MockflowError):
    """The local LiveKit server could not be started (missing binary, busy port, crash)."""


@dataclass(frozen=True)
class ServerPorts:
    http: int
    rtc_tcp: int
    rtc_udp: int

    @classmethod
    def free(cls) -> ServerPorts:
        """Three loopback ports nobody listens on right now."""
        tcp, udp = socket.SOCK_STREAM, socket.SOCK_DGRAM
        return cls(_free_port(tcp), _free_port(tcp), _free_port(udp))

    def busy(self) -> str | None:
        """The first of these ports that something already holds ("7880", "UDP 7882")."""
        for port, kind, label in (
            (self.http, socket.SOCK_STREAM, ""),
            (self.rtc_tcp, socket.SOCK_STREAM, ""),
            (self.rtc_udp, socket.SOCK_DGRAM, "UDP "),
        ):
            with socket.socket(socket.AF_INET, kind) as sock:
                if kind == socket.SOCK_STREAM:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    return f"{label}{port}"
        return None


@dataclass(eq=False)
class LocalLiveKitServer:
    """One `livekit-server --dev` child bound to 127.0.0.1; `repr` hides the secret."""

    binary: Path
    log_path: Path
    ports: ServerPorts = field(default_factory=ServerPorts.free)
    api_key: str = DEFAULT_API_KEY
    api_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    log_level: str = "info"
    extra_env: Mapping[str, str] = field(default_factory=dict, repr=False)  # e.g. a marker
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.ports.http}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.http}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def config(self) -> dict[str, object]:
        return {
            "port": self.ports.http,
            "bind_addresses": ["127.0.0.1"],
            "rtc": {
                "tcp_port": self.ports.rtc_tcp,
                "udp_port": self.ports.rtc_udp,
                "use_external_ip": False,
            },
            "keys": {self.api_key: self.api_secret},
            "logging": {"level": self.log_level},
        }

    def start(self, timeout: float = 15.0) -> None:
        """Start the server and return once it answers HTTP; raise `LiveKitServerError`."""
        if self.running():
            return
        if not os.access(self.binary, os.X_OK):
            raise LiveKitServerError(f"No LiveKit server binary at {self.binary}.")
        if busy := self.ports.busy():
            raise LiveKitServerError(
                f"The LiveKit server could not start: port {busy} on 127.0.0.1 is in use."
            )
        make_private_dir(self.log_path.parent)
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.log_path.parent),
            "LIVEKIT_CONFIG": json.dumps(self.config()),  # YAML is a superset of JSON
            **self.extra_env,
        }
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                [str(self.binary), "--dev", "--bind", "127.0.0.1", "--node-ip", "127.0.0.1"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        self._wait_answering(timeout)

    def _wait_answering(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise LiveKitServerError(self._exit_reason())
            with (
                contextlib.suppress(urllib.error.URLError, OSError),
                urllib.request.urlopen(self.http_url, timeout=1) as answer,
            ):
                if answer.status == 200:
                    return
            time.sleep(0.05)
        self.stop()
        raise LiveKitServerError(f"The LiveKit server did not answer within {timeout:g} s.")

    def _exit_reason(self) -> str:
        tail = self.log_tail()
        if "address already in use" in tail:
            return (
                f"The LiveKit server could not start: a port it needs "
                f"({self.ports.http}, {self.ports.rtc_tcp} or UDP {self.ports.rtc_udp}) is in use."
            )
        return "The LiveKit server exited at start-up; see its log."

    def log_tail(self, chars: int = LOG_TAIL_CHARS) -> str:
        try:
            return self.log_path.read_text("utf-8", errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM (the server drains its rooms), a second SIGTERM after 1 s (it stops
        without draining), SIGKILL after `timeout`; a stopped server is fine."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        for wait, escalate in ((1.0, proc.terminate), (timeout, proc.kill)):
            try:
                proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                escalate()
        proc.wait(5)

    def kill(self) -> None:
        """SIGKILL at once: a server that crashed."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(5)

    def restart(self, timeout: float = 15.0) -> None:
        """Stop, then start again on the same ports with the same keys."""
        self.stop()
        self.start(timeout)


def cached_binary(env: Mapping[str, str]) -> Path:
    """Where `scripts/test.sh` builds the server (under the user's cache folder)."""
    cache = Path(env.get("XDG_CACHE_HOME") or Path(env.get("HOME") or Path.home()) / ".cache")
    return cache / "mockflow" / f"livekit-server-{VERSION}" / "livekit-server"


def find_binary(explicit: str | None, env: Mapping[str, str]) -> Path | None:
    """A runnable livekit-server: `explicit`, else `livekit-server` on the PATH of `env`,
    else the build cache; None when there is none."""
    on_path = shutil.which("livekit-server", path=env.get("PATH") or None)
    for candidate in (explicit, on_path, str(cached_binary(env))):
        if candidate and os.access(candidate, os.X_OK) and Path(candidate).is_file():
            return Path(candidate)
    return None


def _free_port(kind: socket.SocketKind) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
