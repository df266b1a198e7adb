"""The live interview as the page shows it: folded from new events on each poll tick.

`LiveView` keeps the file offset, so a tick reads only what was appended since the last
one; rendering is plain functions of the view and the current time. A view can be polled
from two listeners at once (the timer, and the one following a reply as it streams): a lock
per view makes each poll read and fold its lines alone, so one visitor's poll never waits
for another's.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockflow.contracts.events import EventTail, Timeline
from mockflow.ui.markdown_safety import without_images

# A view's lock lives beside it, not in it: a view must stay deep-copyable (Gradio state
# may copy it) and a lock is not.
_LOCKS: weakref.WeakKeyDictionary[LiveView, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


@dataclass(eq=False)  # one view per page: compared and hashed by identity
class LiveView:
    session_id: str
    events_path: Path
    mode: str = "text"
    offset: int = 0
    timeline: Timeline = field(default_factory=Timeline)
    pending: list[str] = field(default_factory=list)  # sent, not yet committed by the agent
    shown: tuple[int, int, str | None, int] = (-1, -1, None, 0)  # what the chat last showed
    room_left: bool = False  # the voice room was told to disconnect
    skipped: list[str] = field(default_factory=list)  # stages left by Skip
    skip_asked_in: str | None = None  # the stage Skip was confirmed in, until it moves
    ending_t: float | None = None  # when End was confirmed (the clock stops there)

    # what the page shows, read from the one fold of the timeline
    @property
    def turns(self) -> list[dict[str, Any]]:
        return self.timeline.turns

    @property
    def started_t(self) -> float | None:
        ready = self.timeline.ready
        return _number(ready.get("t")) if ready else None

    @property
    def stages(self) -> list[dict[str, Any]]:
        ready = self.timeline.ready
        return list((ready or {}).get("stages") or [])

    @property
    def stage(self) -> str | None:
        return self.timeline.stage

    @property
    def stage_t(self) -> float | None:
        return self.timeline.stage_t

    @property
    def agent_state(self) -> str | None:
        return self.timeline.agent_state

    @property
    def draft(self) -> str:
        """The interviewer's reply as far as it has been generated (until committed)."""
        return self.timeline.draft if self.ended is None else ""

    @property
    def error(self) -> str | None:
        return self.timeline.fatal_error

    @property
    def ended(self) -> str | None:
        return self.timeline.ended_reason

    @property
    def ended_t(self) -> float | None:
        ended = self.timeline.ended
        return _number(ended.get("t")) if ended else None

    def chat_changed(self) -> bool:
        """Whether the transcript differs from what the page shows (and note it shown)."""
        current = (len(self.turns), len(self.pending), self.error, len(self.draft))
        changed, self.shown = current != self.shown, current
        return changed

    def poll(self) -> int:
        """Fold in the events appended since the last call; return how many there were."""
        with _lock_of(self):
            tail = EventTail(self.events_path, self.offset)
            events = tail.read_new()
            self.offset = tail.offset
            for event in events:
                self.apply(event)
        return len(events)

    def apply(self, event: dict[str, Any]) -> None:
        before = self.stage
        self.timeline.apply(event)
        if event.get("type") == "stage" and before and self.stage != before:
            if event.get("reason") == "skip" and before not in self.skipped:
                self.skipped.append(before)
            self.skip_asked_in = None
        elif event.get("type") == "ended" and before and before not in self.skipped:
            # Skip in the last stage ends the interview with no stage to move to: the
            # `ended` line says so (older timelines: this page's own memory of the skip)
            if event.get("last_move") == "skip" or before == self.skip_asked_in:
                self.skipped.append(before)
            self.skip_asked_in = None
        if event.get("type") == "turn" and event.get("role") == "candidate" and self.pending:
            # answers queued together are committed as one turn
            committed = str(event.get("text", ""))
            while self.pending and self.pending[0] in committed:
                self.pending.pop(0)


def _lock_of(view: LiveView) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(view, threading.Lock())


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def chat_messages(view: LiveView) -> list[dict[str, str]]:
    """The transcript in the chat component's message format."""
    messages = [
        {
            "role": "assistant" if t["role"] == "interviewer" else "user",
            "content": without_images(t["text"]),
        }
        for t in view.turns
    ]
    if view.draft.strip():  # begun before any answer still pending
        messages.append({"role": "assistant", "content": without_images(view.draft.strip())})
    messages += [{"role": "user", "content": without_images(text)} for text in view.pending]
    return messages


def waiting_for_interviewer(view: LiveView) -> bool:
    last = view.turns[-1]["role"] if view.turns else None
    return view.ended is None and (bool(view.pending) or last in (None, "candidate"))
