"""The warm pool: up to K agent processes past their imports, blocked on stdin.

A background thread keeps the pool full, discards processes that died or never became
warm, and backs off when spawns keep failing. Refilling pauses while a taken process is
doing its handshake, so the two do not compete for the CPU. Pool processes have no
session directory: they exit on stdin EOF, which happens when the app dies.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from mockflow.launch.local.process import AgentProcess

log = logging.getLogger(__name__)

_TICK = 0.5
_MAX_BACKOFF = 60.0


class WarmPool:
    """Pre-started agent processes; `take()` hands out the most advanced one."""

    def __init__(
        self, size: int, spawn: Callable[[], AgentProcess], *, warm_timeout: float
    ) -> None:
        self.size = max(size, 0)
        self._spawn = spawn
        self._warm_timeout = warm_timeout
        self._procs: list[AgentProcess] = []
        self._cond = threading.Condition()
        self._holds = 0
        self._failures = 0
        self._next_spawn_at = 0.0
        self._closed = False
        self._thread: threading.Thread | None = None
        if self.size:
            self._thread = threading.Thread(target=self._run, name="warm-pool", daemon=True)
            self._thread.start()

    def take(self) -> AgentProcess | None:
        """A live pool process (warm first, else the oldest warming one), or None.

        Every non-None result must be followed by `release_hold()` once its handshake ends.
        """
        with self._cond:
            self._prune_locked()
            if not self._procs:
                return None
            chosen = next((p for p in self._procs if p.warm), self._procs[0])
            self._procs.remove(chosen)
            self._holds += 1
            return chosen

    def release_hold(self) -> None:
        with self._cond:
            self._holds = max(self._holds - 1, 0)
            self._cond.notify_all()

    def pids(self) -> list[int]:
        with self._cond:
            return [p.pid for p in self._procs]

    def wait_warm(self, timeout: float) -> bool:
        """Whether the pool is full of warm processes within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                self._prune_locked()
                if len(self._procs) >= self.size and all(p.warm for p in self._procs):
                    return True
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    return False
                self._cond.wait(min(left, 0.05))

    def close(self, grace: float = 3.0) -> None:
        """Stop refilling; close every pool process's stdin, then escalate."""
        with self._cond:
            self._closed = True
            procs, self._procs = self._procs, []
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(grace + 5.0)
        for proc in procs:
            proc.close_stdin()
        for proc in procs:
            proc.stop(grace)
            proc.release()

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                self._prune_locked()
                if not self._should_spawn_locked():
                    self._cond.wait(_TICK)
                    continue
            try:
                proc = self._spawn()
            except Exception:
                log.exception("warm pool: could not spawn an agent process")
                self._record_failure()
                continue
            with self._cond:
                self._procs.append(proc)
                self._cond.notify_all()
                if self._closed:
                    return

    def _should_spawn_locked(self) -> bool:
        return (
            len(self._procs) < self.size
            and self._holds == 0
            and time.monotonic() >= self._next_spawn_at
        )

    def _prune_locked(self) -> None:
        now = time.monotonic()
        for proc in list(self._procs):
            code = proc.poll()
            stuck = not proc.warm and now - proc.spawned_at > self._warm_timeout
            if code is None and not stuck:
                if proc.warm:
                    self._failures = 0
                continue
            self._procs.remove(proc)
            if code is None:
                log.warning(
                    "warm pool: agent %s not warm after %.0f s", proc.pid, self._warm_timeout
                )
                proc.kill()
                proc.wait(5.0)
            else:
                log.warning("warm pool: agent %s exited (code %s)", proc.pid, code)
            proc.release()
            if not proc.warm or stuck:
                self._record_failure_locked()

    def _record_failure(self) -> None:
        with self._cond:
            self._record_failure_locked()

    def _record_failure_locked(self) -> None:
        self._failures += 1
        delay = min(2.0 ** (self._failures - 1), _MAX_BACKOFF)
        self._next_spawn_at = time.monotonic() + delay
