"""A child of the fork server, seen from the app: the part of `Popen` that `AgentProcess` uses.

The app is not the child's parent, so it cannot wait for it. While the fork server lives,
the exit code comes from the server (it reaps its children); the app also holds a pidfd
of the child, which names that exact process (pid reuse cannot fool it) and tells when it
has exited. If the fork server died first, the child was re-parented and reaped by the
system, and its exit code is lost: `poll()` then returns `EXIT_UNKNOWN`.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import threading
import time
from typing import IO

EXIT_UNKNOWN = -1000  # not a signal number: an exit whose code nobody could observe


class ForkedChild:
    """`pid`, pipes, `poll`, `wait`, `send_signal`, `signal_group`; safe after death."""

    def __init__(
        self, pid: int, pidfd: int, stdin: IO[bytes], stdout: IO[bytes], stderr: IO[bytes]
    ) -> None:
        self.pid = pid
        self.stdin: IO[bytes] | None = stdin
        self.stdout: IO[bytes] | None = stdout
        self.stderr: IO[bytes] | None = stderr
        self.returncode: int | None = None
        self._pidfd: int | None = pidfd
        self._reporter_alive = True
        self._cond = threading.Condition()

    def set_exit(self, code: int) -> None:
        """The fork server reaped the child with this code."""
        with self._cond:
            if self.returncode is None:
                self.returncode = code
            self._close_pidfd_locked()
            self._cond.notify_all()

    def reporter_gone(self) -> None:
        """The fork server died: from now on only the pidfd can tell of an exit."""
        with self._cond:
            self._reporter_alive = False
            self._cond.notify_all()

    def poll(self) -> int | None:
        with self._cond:
            if self.returncode is None and not self._reporter_alive and self._exited_locked(0):
                self.returncode = EXIT_UNKNOWN
                self._close_pidfd_locked()
            return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            left = 0.1 if deadline is None else min(deadline - time.monotonic(), 0.1)
            if left <= 0:
                raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout or 0.0)
            with self._cond:
                if self.returncode is None and self._reporter_alive:
                    self._cond.wait(left)
                elif self.returncode is None:
                    self._exited_locked(left)
        return code

    def send_signal(self, sig: int) -> None:
        with self._cond:
            if self._pidfd is not None:
                with contextlib.suppress(ProcessLookupError):
                    signal.pidfd_send_signal(self._pidfd, sig)

    def signal_group(self, sig: int) -> None:
        """Signal the child's process group (it is a session leader); the pidfd first."""
        with self._cond:
            if self._pidfd is None:
                return
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._pidfd, sig)
            # Not exited, so not reaped: its pid, which is its group id, is still its own.
            if not self._exited_locked(0):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.pid, sig)

    def _exited_locked(self, timeout: float) -> bool:
        if self._pidfd is None:
            return True
        readable, _, _ = select.select([self._pidfd], [], [], max(timeout, 0.0))
        return bool(readable)

    def _close_pidfd_locked(self) -> None:
        if self._pidfd is not None:
            with contextlib.suppress(OSError):
                os.close(self._pidfd)
            self._pidfd = None
