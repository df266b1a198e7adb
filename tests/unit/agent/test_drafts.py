"""DraftOutput: the reply's pieces reach the timeline promptly but not one line per token."""

from __future__ import annotations

import asyncio

from mockflow.agent.drafts import DraftOutput


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Sink:
    def __init__(self) -> None:
        self.drafts: list[tuple[int, str]] = []
        self.written = asyncio.Event()

    def record_draft(self, reply: int, delta: str) -> None:
        self.drafts.append((reply, delta))
        self.written.set()


async def test_first_words_at_once_then_gathered_and_the_rest_on_flush() -> None:
    sink, clock = Sink(), Clock()
    out = DraftOutput(sink, interval=60.0, clock=clock)
    for piece in ("Tell", " me", " about", " a project"):
        await out.capture_text(piece)
    assert sink.drafts == [(1, "Tell")]  # the first words are not held back
    clock.now += 60.0
    await out.capture_text("?")
    assert sink.drafts == [(1, "Tell"), (1, " me about a project?")]
    await out.capture_text(" Take")
    out.flush()
    await out.capture_text("Next")
    out.flush()
    assert "".join(d for r, d in sink.drafts if r == 1) == "Tell me about a project? Take"
    assert sink.drafts[-1] == (2, "Next")  # a new reply, written at once


async def test_a_pause_in_the_model_does_not_hold_back_what_came() -> None:
    sink = Sink()
    out = DraftOutput(sink, interval=0.01)
    await out.capture_text("Hello")
    sink.written.clear()
    await out.capture_text(", Ana")  # inside the interval: gathered, then written
    await asyncio.wait_for(sink.written.wait(), timeout=5)
    assert "".join(d for _, d in sink.drafts) == "Hello, Ana"
