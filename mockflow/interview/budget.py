"""The hold a coach's practice link keeps on a running interview (issue 25): when the
interviewer must move to its closing, when the interview must end, and when a candidate
who leaves a question unanswered is ended. Pure: the caller passes the clock's readings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Due = Literal["close", "end", "idle"]


@dataclass
class Budget:
    """Times are the caller's clock's; `seconds` and `idle_seconds` None: no such limit."""

    started_at: float
    seconds: float | None
    closing_seconds: float
    idle_seconds: float | None = None
    waiting_since: float | None = None  # when the candidate was last asked, unanswered
    closing: bool = False  # the closing was begun

    def asked(self, now: float) -> None:
        """The interviewer said something; a question already waiting keeps its time (a
        check-in on a silent candidate does not restart the idle clock)."""
        if self.waiting_since is None:
            self.waiting_since = now

    def answered(self) -> None:
        self.waiting_since = None

    def due(self, now: float) -> Due | None:
        """What the time asks for now: the hard end, an idle end, the closing (once)."""
        if self.seconds is not None and now - self.started_at >= self.seconds:
            return "end"
        idle = self.idle_seconds
        if idle is not None and self.waiting_since is not None and now - self.waiting_since >= idle:
            return "idle"
        close_at = (self.seconds or 0.0) - self.closing_seconds
        if self.seconds is not None and not self.closing and now - self.started_at >= close_at:
            self.closing = True
            return "close"
        return None
