"""The live interview as the page shows it: folded from new events on each poll tick.

`LiveView` keeps the file offset, so a tick reads only what was appended since the last
one; rendering is plain functions of the view and the current time. A view can be polled
from two listeners at once (the timer, and the one following a reply as it streams): a lock
per view makes each poll read and fold its lines alone, so one visitor's poll never waits
for another's.
"""

from __future__ import annotations

import html
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockflow.contracts.events import EventTail, Timeline
from mockflow.interview.fsm import STAGE_TITLES, STAGES
from mockflow.ui.markdown_safety import without_images

# A view's lock lives beside it, not in it: a view must stay deep-copyable (Gradio state
# may copy it) and a lock is not.
_LOCKS: weakref.WeakKeyDictionary[LiveView, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()

END_MESSAGES = {
    "completed": "The interview is complete. Your feedback is in the Feedback tab.",
    "user_ended": "You ended the interview. Your transcript is in the Feedback tab.",
    "timeout": "The interview reached its time limit and was stopped.",
    "app_gone": "The app restarted while the interview was running; your transcript is kept.",
    "interrupted": "The interview was interrupted; your transcript is kept.",
    "error": "The interview stopped because of an error.",
}


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
        self.timeline.apply(event)
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


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def stage_bar_html(view: LiveView, now: float | None = None) -> str:
    """Stage progress: every stage named, the current one marked in text, not colour only."""
    now = time.time() if now is None else now
    limits = {s["stage"]: float(s.get("time_limit", 0)) for s in view.stages}
    current = STAGES.index(view.stage) if view.stage in STAGES else -1
    end = view.ended_t if view.ended else now
    items = []
    for index, stage in enumerate(STAGES):
        # an ended interview marks done only the stages it reached
        if index < current or (view.ended and index == current):
            state, mark = "done", "✓"
        elif index == current:
            state, mark = "current", "▶"
        else:
            state, mark = "todo", "○"
        label = html.escape(STAGE_TITLES[stage])
        aria = "step" if state == "current" else "false"
        items.append(
            f'<li class="mf-stage mf-{state}" aria-current="{aria}">'
            f'<span aria-hidden="true">{mark}</span> {label}</li>'
        )
    if view.ended:
        status = html.escape(END_MESSAGES.get(view.ended, "The interview has ended."))
    elif view.stage and view.stage_t is not None:
        left = limits.get(view.stage, 0) - (now - view.stage_t)
        timing = f"about {_clock(left)} left" if left > 0 else "wrapping up after this answer"
        status = f"Now: {html.escape(STAGE_TITLES[view.stage])} · {timing}"
    else:
        status = "Starting the interviewer…"
    elapsed = _clock((end or now) - view.started_t) if view.started_t else "0:00"
    if view.draft.strip() and not view.ended:  # words are arriving (text mode's drafts)
        state = " · the interviewer is replying…"
    elif view.agent_state and not view.ended:
        state = f" · interviewer {html.escape(view.agent_state)}"
    elif waiting_for_interviewer(view) and view.started_t is not None:
        state = " · the interviewer is thinking…"
    else:
        state = ""
    return (
        '<div class="mf-progress">'
        f'<ol class="mf-stages" aria-label="Interview stages">{"".join(items)}</ol>'
        f'<p class="mf-status" role="status">{status} · elapsed {elapsed}{state}</p>'
        "</div>"
    )
