"""The machine's CPU load: a new voice interview is refused while it would push this machine
past real time.

A voice interview runs here in real time (its agent process, and a share of the local
LiveKit server's work); when the processors are saturated every interview's audio lags at
once, not only the newest. So, like livekit-agents' worker load, the app samples the
machine's CPU use in the background (`psutil.cpu_percent` every 0.5 s, averaged over the
last 2.5 s) and refuses a voice start, with the reason, when that load plus what the
interviews admitted in the last few seconds will add (their load does not show in the
samples yet) would exceed `Settings.max_cpu_load` (MOCKFLOW_MAX_CPU_LOAD, a share of all
cores; 0 turns the limit off). Text interviews wait on the model, not on the clock, and are
never refused here; voice interviews that LiveKit workers serve (dispatch mode) are limited
by each worker's own load.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import psutil

from mockflow.config import Settings
from mockflow.errors import MockflowError

log = logging.getLogger(__name__)

# one voice interview's share of one core on the real path (agent, plus the LiveKit
# server's part), measured by bench/voice_capacity_livekit.py
CORE_SHARE_PER_INTERVIEW = 0.12
SETTLE_SECONDS = 10.0  # a start's own load shows in the samples by then
SAMPLE_SECONDS = 0.5
SAMPLES = 5  # averaged: 2.5 s


class MachineBusyError(MockflowError):
    """The machine's processors are too busy for another voice interview in real time."""


def busy_message(load: float, limit: float) -> str:
    if load > limit:
        return (
            f"This server is too busy for another voice interview right now (its processors "
            f"are {load:.0%} in use). Please try again in a few minutes, or start a text "
            "interview."
        )
    return (
        "Several voice interviews have just started on this server and it has no room for "
        "another right now. Please try again in a minute, or start a text interview."
    )


class LoadSampler(Protocol):
    def __call__(self) -> float | None:
        """The machine's recent CPU use as a share of all its cores (0 to 1), or None
        while there is no measurement yet."""
        ...


class CpuLoad:
    """The real sampler: a daemon thread, started at the first call (the first voice start),
    measures the whole machine's CPU use every `SAMPLE_SECONDS`; a call returns `recent()`."""

    def __init__(self, measure: Callable[[float], float] = psutil.cpu_percent) -> None:
        self._measure = measure  # percent of all cores over the interval it blocks for
        self._samples: collections.deque[float] = collections.deque(maxlen=SAMPLES)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def __call__(self) -> float | None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="machine-load", daemon=True)
                self._thread.start()
        return self.recent()

    def recent(self) -> float | None:
        """The mean of the last `SAMPLES` measurements, None before the first."""
        with self._lock:
            return sum(self._samples) / len(self._samples) if self._samples else None

    def sample(self) -> None:
        """Take one measurement (blocks for `SAMPLE_SECONDS`)."""
        share = self._measure(SAMPLE_SECONDS) / 100.0
        with self._lock:
            self._samples.append(share)

    def _run(self) -> None:
        try:
            while True:
                self.sample()
        except Exception:  # the thread's top: no figure is better than a stale one
            log.exception("the CPU load sampler stopped; voice starts count only starts")
            with self._lock:
                self._samples.clear()


_shared = CpuLoad()


@dataclass
class MachineLoad:
    """Admits voice starts while the machine keeps up; see the module docstring."""

    limit: float  # a share of all cores; 0: no limit
    sampler: LoadSampler = field(default=_shared)
    share_per_interview: float = CORE_SHARE_PER_INTERVIEW / (os.cpu_count() or 1)
    clock: Callable[[], float] = time.monotonic
    _admitted: collections.deque[float] = field(default_factory=collections.deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_settings(cls, settings: Settings) -> MachineLoad:
        return cls(settings.max_cpu_load)

    def refuse_when_busy(self) -> None:
        """Before a voice interview runs on this machine: `MachineBusyError` when the
        recent load, plus this start's and the share of those admitted in the last
        `SETTLE_SECONDS`, would exceed the limit; otherwise the start counts as admitted."""
        if self.limit <= 0:
            return
        load = self.sampler() or 0.0  # not measured yet: only the starts count
        with self._lock:
            now = self.clock()
            while self._admitted and now - self._admitted[0] > SETTLE_SECONDS:
                self._admitted.popleft()
            expected = load + (len(self._admitted) + 1) * self.share_per_interview
            if expected > self.limit:
                log.warning(
                    "refused a voice interview: CPU load %.0f%%, %d just started, limit %.0f%%",
                    load * 100,
                    len(self._admitted),
                    self.limit * 100,
                )
                raise MachineBusyError(busy_message(load, self.limit))
            self._admitted.append(now)
