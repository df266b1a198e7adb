"""The Interview tab's live part: the page for a view (`render`), the 1 s poll that
follows `events.jsonl` (`tick`) and the faster one while a reply is written
(`follow_reply`). Each returns values by component name (`Page.named`).

Whichever of them reads the end first switches the timer off, so each also tells the voice
room to leave (`leave_room`): the microphone must not stay published once the interviewer
is gone.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import gradio as gr

from mockflow.ui.live import LiveView, chat_messages, waiting_for_interviewer
from mockflow.ui.stage_bar import IDLE_BAR, stage_bar_html


def room_value(action: str, room: dict[str, str] | None = None) -> str:
    """What the room component receives: only this browser's own connection details."""
    return json.dumps({"action": action, **(room or {})})


RUNNING_NOTE = (
    "An interview of yours is running: continue it in the Interview tab, or end it there "
    "to start a new one."
)
RENDERED = (
    "stage_bar", "chat", "timer", "skip", "end", "send", "start", "running_note", "see_feedback"
)  # fmt: skip


def render(view: LiveView | None) -> dict[str, Any]:
    """The page for a view, by component name: one running interview per user, so Setup's
    Start waits for this one to end, and an ended one offers its feedback."""
    if view is None:
        return {
            "stage_bar": IDLE_BAR,
            "chat": [],
            "timer": gr.Timer(active=False),
            "skip": gr.Button(interactive=False),
            "end": gr.Button(interactive=False),
            "send": gr.Button(interactive=False),
            "start": gr.Button(interactive=True),
            "running_note": "",
            "see_feedback": gr.Button(visible=False),
        }
    running = view.ended is None
    acting = running and view.ending_t is None  # nothing more to do once End is confirmed
    view.chat_changed()
    return {
        "stage_bar": stage_bar_html(view),
        "chat": _chat(view),
        "timer": gr.Timer(active=running),
        "skip": gr.Button(interactive=acting),
        "end": gr.Button(interactive=acting),
        "send": gr.Button(interactive=acting),
        "start": gr.Button(interactive=not running),
        "running_note": RUNNING_NOTE if running else "",
        "see_feedback": gr.Button(visible=not running),
    }


def leave_room(view: LiveView, *, ending: bool = False) -> dict[str, Any]:
    """The voice room told to leave, the first time this is asked once the interview has
    ended (or is `ending`: End stopped the interviewer); else nothing. Telling it twice
    would do no harm (the room leaves once), but there is no need."""
    if view.mode != "voice" or view.room_left or (view.ended is None and not ending):
        return {}
    view.room_left = True
    return {"room": room_value("disconnect")}


def tick(view: LiveView | None) -> dict[str, Any]:
    """One poll: read only the new events; resend the transcript only when it changed;
    stop polling once the interview has ended, and then leave the voice room."""
    if view is None:
        return {}
    changed = view.poll()
    if view.ended is None and not (changed and view.chat_changed()):
        return {"stage_bar": stage_bar_html(view)}  # only the clock or the agent's state moved
    return {**render(view), **leave_room(view)}


FOLLOW_INTERVAL = 0.05  # seconds between reads of the timeline while a reply streams
FOLLOW_LIMIT = 120.0  # then the 1 s timer carries on alone


async def follow_reply(
    view: LiveView | None, interval: float = FOLLOW_INTERVAL, limit: float = FOLLOW_LIMIT
) -> AsyncIterator[dict[str, Any]]:
    """After an answer (or Start): show the interviewer's reply as it is generated, read
    every `interval` seconds, until its turn is committed or the interview ends (then the
    voice room leaves: the last page switches the timer off). The timer's 1 s poll stays
    the fallback; this only makes the wait visible sooner."""
    if view is None:
        yield render(None)
        return
    deadline = time.monotonic() + limit
    while view.ended is None and waiting_for_interviewer(view) and time.monotonic() < deadline:
        await asyncio.sleep(interval)
        if view.poll() and view.chat_changed():
            yield {"stage_bar": stage_bar_html(view), "chat": _chat(view)}
    # always a last full page: a stream that yields nothing leaves its outputs empty
    yield {**render(view), **leave_room(view)}


def _chat(view: LiveView) -> list[dict[str, str]]:
    messages = chat_messages(view)
    if view.error:
        messages.append({"role": "assistant", "content": f"⚠️ {view.error}"})
    return messages
