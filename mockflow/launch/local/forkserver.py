"""The app's side of the fork server: start it, fork interviews through it, restart it.

`python -m mockflow.agent forkserver --fd N` is started with the agents' minimal environment
and a socketpair end as fd N (argv carries only that number). Each `fork()` makes three
pipes, sends the child's ends over the socket (SCM_RIGHTS) and gets back the pid and a
pidfd; the child then reads its launch spec from its stdin exactly as a cold process
does. A reader thread routes replies and exit reports. While the server is starting,
restarting or dead, `fork()` raises `ForkServerUnavailable` and the supervisor starts
interviews cold; `check()` restarts a dead server with a growing back-off.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from mockflow.contracts.forkproto import MAX_MESSAGE, decode, encode
from mockflow.launch.errors import ForkServerUnavailable
from mockflow.launch.local.forked import ForkedChild
from mockflow.launch.local.process import AgentCommand, AgentProcess

log = logging.getLogger("mockflow.launch.local.forkserver")

_MAX_BACKOFF = 60.0


def fork_server_supported() -> bool:
    """Linux with pidfds and descriptor passing (Python 3.9+ on Linux 5.3+)."""
    return sys.platform == "linux" and hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")


class _Link:
    """One fork-server process and its socket; dead for good once either goes."""

    def __init__(self, command: AgentCommand, env: Mapping[str, str]) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.popen = subprocess.Popen(
                [*command.argv, "forkserver", "--fd", str(theirs.fileno())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=dict(env),
                cwd=command.cwd,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        finally:
            theirs.close()
        self.sock = ours
        self.started_at = time.monotonic()
        self.ready = threading.Event()
        self.threads = 0
        self.dead = False
        self._ids = itertools.count(1)
        self._send_lock = threading.Lock()
        self._cond = threading.Condition()
        self._replies: dict[int, ForkedChild | str | None] = {}
        self._children: dict[int, ForkedChild] = {}
        for target, name in ((self._read, "out"), (self._drain_stderr, "err")):
            threading.Thread(target=target, name=f"forkserver-{name}", daemon=True).start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def fork(self, timeout: float) -> ForkedChild:
        request_id = next(self._ids)
        pipes = [os.pipe() for _ in range(3)]  # (read, write) each
        theirs = [pipes[0][0], pipes[1][1], pipes[2][1]]
        ours = [pipes[0][1], pipes[1][0], pipes[2][0]]
        with self._cond:
            self._replies[request_id] = None
        try:
            with self._send_lock:
                socket.send_fds(self.sock, [encode({"type": "fork", "id": request_id})], theirs)
        except OSError as exc:
            _close_all(ours)
            raise ForkServerUnavailable(f"cannot reach the fork server ({exc})") from None
        finally:
            _close_all(theirs)
        reply = self._await_reply(request_id, timeout)
        if not isinstance(reply, ForkedChild):
            _close_all(ours)
            raise ForkServerUnavailable(reply or "no reply from the fork server")
        reply.stdin = os.fdopen(ours[0], "wb")
        reply.stdout = os.fdopen(ours[1], "rb")
        reply.stderr = os.fdopen(ours[2], "rb")
        return reply

    def close(self, grace: float) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        try:
            self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5.0)

    def _await_reply(self, request_id: int, timeout: float) -> ForkedChild | str | None:
        with self._cond:
            self._cond.wait_for(lambda: self._replies[request_id] is not None or self.dead, timeout)
            return self._replies.pop(request_id)

    def _read(self) -> None:
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(self.sock, MAX_MESSAGE, 1)
            except OSError:
                data, fds = b"", []
            if not data:
                break
            try:
                self._dispatch(decode(data), fds)
            except ValueError:
                log.warning("fork server sent a malformed message")
                _close_all(fds)
        self._on_dead()

    def _dispatch(self, message: dict[str, Any], fds: list[int]) -> None:
        kind = message["type"]
        if kind == "ready":
            self.threads = int(message.get("threads", 0))
            if self.threads != 1:
                log.error("fork server %s has %s threads: not forking", self.pid, self.threads)
            self.ready.set()
        elif kind == "exit":
            with self._cond:
                child = self._children.pop(message["pid"], None)
            if child is not None:
                child.set_exit(message["code"])
        elif kind in ("forked", "fork_failed"):
            self._on_reply(message, fds)

    def _on_reply(self, message: dict[str, Any], fds: list[int]) -> None:
        request_id = message.get("id")
        reply: ForkedChild | str
        if message["type"] == "forked" and len(fds) == 1:
            reply = ForkedChild(message["pid"], fds[0], None, None, None)  # type: ignore[arg-type]
        else:
            _close_all(fds)
            reply = f"the fork server could not fork ({message.get('error', 'no pidfd')})"
        with self._cond:
            if isinstance(reply, ForkedChild):
                self._children[reply.pid] = reply
            if request_id in self._replies:
                self._replies[request_id] = reply
                self._cond.notify_all()
            elif isinstance(reply, ForkedChild):
                log.warning("fork server: child %s forked after its start gave up", reply.pid)

    def _on_dead(self) -> None:
        with self._cond:
            self.dead = True
            children, self._children = list(self._children.values()), {}
            self._cond.notify_all()
        for child in children:
            child.reporter_gone()
        with contextlib.suppress(OSError):
            self.sock.close()

    def _drain_stderr(self) -> None:
        assert self.popen.stderr is not None
        with self.popen.stderr as stream:
            while raw := stream.readline(8192):
                line = raw.decode("utf-8", "replace").strip()
                if line:
                    log.info("fork server %s: %s", self.pid, line[:300])


class ForkServer:
    """Owns at most one live fork server; thread-safe."""

    def __init__(
        self,
        command: AgentCommand,
        env: Mapping[str, str],
        *,
        ready_timeout: float,
        fork_timeout: float,
    ) -> None:
        self._command = command
        self._env = dict(env)
        self._ready_timeout = ready_timeout
        self._fork_timeout = fork_timeout
        self._lock = threading.Lock()
        self._link: _Link | None = None
        self._failures = 0
        self._next_start_at = 0.0
        self._closed = False

    @property
    def pid(self) -> int | None:
        link = self._link
        return link.pid if link is not None and not link.dead else None

    def wait_ready(self, timeout: float) -> bool:
        """Whether a fork server is ready to fork within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check()
            link = self._link
            if link is not None and not link.dead and link.ready.wait(0.05):
                return self._usable(link)
        return False

    def fork(self) -> AgentProcess:
        """An interview process forked from the server; `ForkServerUnavailable` if none."""
        link = self._link
        if link is None or link.dead or not link.ready.is_set():
            raise ForkServerUnavailable("the fork server is not ready")
        if not self._usable(link):
            raise ForkServerUnavailable("the fork server has threads; forking is unsafe")
        return AgentProcess(link.fork(self._fork_timeout))

    def check(self) -> None:
        """Start the server, or restart it (with back-off) if it died or never got ready."""
        with self._lock:
            if self._closed:
                return
            link, now = self._link, time.monotonic()
            if link is not None and not link.dead and link.popen.poll() is None:
                if link.ready.is_set():
                    self._failures = 0
                elif now - link.started_at > self._ready_timeout:
                    log.warning("fork server %s not ready in time; killing it", link.pid)
                    link.popen.kill()
                return
            if link is not None:
                self._retire_locked(link, now)
            if now >= self._next_start_at:
                self._start_locked()

    def close(self, grace: float = 3.0) -> None:
        with self._lock:
            self._closed = True
            link, self._link = self._link, None
        if link is not None:
            link.close(grace)

    def _usable(self, link: _Link) -> bool:
        return link.threads == 1

    def _retire_locked(self, link: _Link, now: float) -> None:
        code = link.popen.poll()
        if code is None:
            link.popen.kill()
            code = link.popen.wait(5.0)
        self._link = None
        self._failures += 1
        self._next_start_at = now + min(2.0 ** (self._failures - 1), _MAX_BACKOFF)
        log.warning(
            "fork server %s exited (code %s); interviews start cold until it is back "
            "(restart in %.0f s)",
            link.pid,
            code,
            self._next_start_at - now,
        )

    def _start_locked(self) -> None:
        try:
            self._link = _Link(self._command, self._env)
        except OSError as exc:
            self._failures += 1
            self._next_start_at = time.monotonic() + min(2.0**self._failures, _MAX_BACKOFF)
            log.warning("fork server could not be started (%s)", exc.strerror)
            return
        log.info("fork server %s starting", self._link.pid)


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)
