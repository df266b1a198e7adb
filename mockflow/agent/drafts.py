"""The interviewer's reply while it is generated, as `draft` events for the live view.

In text mode nothing else shows a reply before it is complete, so the session's text
output is a `DraftOutput`: the model's pieces are gathered and written at most every
`interval` seconds (a line per token would bloat the timeline), and whatever is left is
written when the reply's text ends. Each reply gets its own number.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

from livekit.agents.voice.io import TextOutput

DRAFT_INTERVAL = 0.08  # seconds: smooth to the eye, about a dozen lines per reply


class DraftSink(Protocol):
    def record_draft(self, reply: int, delta: str) -> None: ...


class DraftOutput(TextOutput):
    def __init__(
        self,
        sink: DraftSink,
        *,
        interval: float = DRAFT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(label="mockflow-drafts", next_in_chain=None)
        self._sink = sink
        self._interval = interval
        self._clock = clock
        self._reply = 1
        self._pending = ""
        self._written_at: float | None = None
        self._later: asyncio.TimerHandle | None = None

    async def capture_text(self, text: str) -> None:
        if not text:
            return
        self._pending += text
        now = self._clock()
        if self._written_at is None or now - self._written_at >= self._interval:
            self._write()
        elif self._later is None:  # the rest follows within one interval, even if the
            wait = self._interval - (now - self._written_at)  # model pauses
            self._later = asyncio.get_running_loop().call_later(wait, self._write)

    def flush(self) -> None:
        """The reply's text is complete: write what is left; the next text is a new reply."""
        self._write()
        self._reply += 1
        self._written_at = None

    def _write(self) -> None:
        if self._later is not None:
            self._later.cancel()
            self._later = None
        if self._pending:
            self._sink.record_draft(self._reply, self._pending)
            self._pending = ""
            self._written_at = self._clock()
