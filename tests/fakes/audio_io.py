"""Room-less audio I/O for voice tests: a microphone fed in real time, a speaker that records.

`ScriptedMicrophone` is an `io.AudioInput` that yields 20 ms frames paced by the wall
clock, like a participant's track: queued utterances when there are any, silence
otherwise. `RecordingSpeaker` is an `io.AudioOutput` that plays captured frames in real
time (pausable, clearable), calls `on_playback_started` / `on_playback_finished` as a room
output does, and keeps a `Playback` record per segment. Times are `time.time()`, the clock
the framework stamps speech with.
"""

from __future__ import annotations

import asyncio
import collections
import time
from dataclasses import dataclass, field

import numpy as np
from livekit import rtc
from livekit.agents.voice import io

FRAME_SECONDS = 0.02


@dataclass
class Utterance:
    samples: np.ndarray
    text: str = ""
    started_at: float | None = None
    ended_at: float | None = None
    transcribed: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)


class ScriptedMicrophone(io.AudioInput):
    """Real-time frames: the next queued utterance, else silence, until `close()`."""

    def __init__(self, rate: int = 24000) -> None:
        super().__init__(label="ScriptedMicrophone")
        self.rate = rate
        self._chunk = int(rate * FRAME_SECONDS)
        self._queue: collections.deque[Utterance] = collections.deque()
        self._current: Utterance | None = None
        self._offset = 0
        self._next_due: float | None = None
        self._closed = False
        self.frames_sent = 0
        self.late_frames = 0  # frames handed out more than one frame period late
        self.lags: list[float] | None = None  # set to a list to record every frame's lag
        self.history: list[Utterance] = []

    def say(self, samples: np.ndarray, text: str = "") -> Utterance:
        utterance = Utterance(samples.astype(np.int16), text)
        self._queue.append(utterance)
        self.history.append(utterance)
        return utterance

    async def play(self, samples: np.ndarray, text: str = "") -> Utterance:
        """Queue `samples` and return once their last frame has been sent."""
        utterance = self.say(samples, text)
        await utterance.done.wait()
        return utterance

    def transcribe(self, start: float, end: float, final: bool) -> str:
        """What was said between two wall-clock times: a stand-in for recognition that a
        fake STT can call. Each utterance is transcribed once (its first final segment)."""
        for utterance in self.history:
            if utterance.started_at is None or utterance.transcribed:
                continue
            spoke_until = utterance.ended_at or time.time()
            if utterance.started_at - 0.3 <= end and start <= spoke_until + 0.3:
                utterance.transcribed = utterance.transcribed or final
                return utterance.text
        return ""

    def close(self) -> None:
        self._closed = True

    async def __anext__(self) -> rtc.AudioFrame:
        if self._closed:
            raise StopAsyncIteration
        now = time.monotonic()
        if self._next_due is None:
            self._next_due = now
        if self._next_due > now:
            await asyncio.sleep(self._next_due - now)
        elif now - self._next_due > FRAME_SECONDS:
            self.late_frames += 1
        if self.lags is not None:
            self.lags.append(max(0.0, time.monotonic() - self._next_due))
        self._next_due += FRAME_SECONDS
        self.frames_sent += 1
        return rtc.AudioFrame(self._next_chunk().tobytes(), self.rate, 1, self._chunk)

    def _next_chunk(self) -> np.ndarray:
        if self._current is None and self._queue:
            self._current, self._offset = self._queue.popleft(), 0
            self._current.started_at = time.time()
        if self._current is None:
            return np.zeros(self._chunk, dtype=np.int16)
        utterance = self._current
        chunk = utterance.samples[self._offset : self._offset + self._chunk]
        self._offset += self._chunk
        if self._offset >= len(utterance.samples):
            utterance.ended_at = time.time() + FRAME_SECONDS * len(chunk) / self._chunk
            utterance.done.set()
            self._current = None
        if len(chunk) < self._chunk:
            chunk = np.concatenate([chunk, np.zeros(self._chunk - len(chunk), dtype=np.int16)])
        return chunk


@dataclass
class Playback:
    started_at: float
    ended_at: float | None = None
    position: float = 0.0
    interrupted: bool = False


class RecordingSpeaker(io.AudioOutput):
    """Plays captured audio in real time and records what was played, segment by segment."""

    def __init__(self) -> None:
        super().__init__(label="RecordingSpeaker", capabilities=io.AudioOutputCapabilities(True))
        self.playbacks: list[Playback] = []
        self._frames: collections.deque[rtc.AudioFrame] = collections.deque()
        self._open = False  # a segment has been captured and not yet reported finished
        self._flushed = False
        self._current: Playback | None = None
        self._wake = asyncio.Event()
        self._resumed = asyncio.Event()
        self._resumed.set()
        self._task: asyncio.Task[None] | None = None
        self.changed = asyncio.Condition()

    @property
    def playing(self) -> bool:
        return self._current is not None and self._resumed.is_set()

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        if self._task is None:
            self._task = asyncio.create_task(self._playout(), name="recording-speaker")
        self._open, self._flushed = True, False
        self._frames.append(frame)
        self._wake.set()

    def flush(self) -> None:
        super().flush()
        self._flushed = True
        self._wake.set()

    def clear_buffer(self) -> None:
        self._frames.clear()
        if self._open:
            self._finish(interrupted=True)

    def pause(self) -> None:
        self._resumed.clear()

    def resume(self) -> None:
        self._resumed.set()

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def wait_for(self, count: int, *, finished: bool = True, timeout: float = 30.0) -> None:
        """Wait until `count` playbacks have started (and, if `finished`, ended)."""

        def ready() -> bool:
            done = [p for p in self.playbacks if p.ended_at is not None or not finished]
            return len(done) >= count

        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(ready), timeout)

    async def _playout(self) -> None:
        next_due = time.monotonic()
        while True:
            if not self._frames:
                if self._open and self._flushed:
                    self._finish(interrupted=False)
                self._wake.clear()
                await self._wake.wait()
                continue
            await self._resumed.wait()
            if not self._frames:
                continue
            frame = self._frames.popleft()
            if self._current is None:
                self._current = Playback(started_at=time.time())
                self.playbacks.append(self._current)
                self.on_playback_started(created_at=self._current.started_at)
                self._notify()
                next_due = time.monotonic()
            playback = self._current
            next_due = max(next_due, time.monotonic() - FRAME_SECONDS) + frame.duration
            await asyncio.sleep(max(0.0, next_due - time.monotonic()))
            playback.position += frame.duration

    def _finish(self, *, interrupted: bool) -> None:
        playback = self._current or Playback(started_at=time.time())
        if self._current is None:
            self.playbacks.append(playback)
        playback.ended_at, playback.interrupted = time.time(), interrupted
        self._current, self._open, self._flushed = None, False, False
        self.on_playback_finished(playback_position=playback.position, interrupted=interrupted)
        self._notify()

    def _notify(self) -> None:
        async def notify() -> None:
            async with self.changed:
                self.changed.notify_all()

        asyncio.get_running_loop().create_task(notify())
