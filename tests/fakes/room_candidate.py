"""A scripted candidate in a real LiveKit room: a `livekit.rtc` participant that speaks.

It joins with the token the app minted, publishes a microphone track that carries real
speech (espeak-ng, 48 kHz) paced by the wall clock in 10 ms frames, with silence between
utterances as a real microphone sends, and subscribes to the interviewer's audio: any
agent participant (`interviewer` when the app starts the agent, a framework-chosen
identity when a worker serves it). What it hears is kept as `Burst`s: stretches of
interviewer audio above silence, with the times the first and last loud frame arrived.

    async with RoomCandidate(url, token) as me:
        await me.wait_for_burst(1)       # the greeting is playing
        await me.wait_quiet()
        await me.say("Yes, I'm ready.")

`transcribe(start, end, final)` tells a fake STT what was said between two wall-clock
times (it knows what it played then), like `audio_io.ScriptedMicrophone.transcribe`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

import numpy as np
from livekit import rtc

from tests.fakes.audio_io import Utterance
from tests.fakes.speech import speak

RATE = 48000
FRAME_SECONDS = 0.01
FRAME = int(RATE * FRAME_SECONDS)
LOUD_RMS = 100.0  # the fake TTS tone is ~420 RMS; Opus-decoded silence is ~0
QUIET_SECONDS = 0.25  # this much quiet ends a burst
AGENT = rtc.ParticipantKind.PARTICIPANT_KIND_AGENT


@dataclass
class Burst:
    """Interviewer audio heard without a gap of `QUIET_SECONDS`."""

    started_at: float
    ended_at: float
    frames: int = 1
    peak: float = 0.0

    @property
    def seconds(self) -> float:
        return self.ended_at - self.started_at + FRAME_SECONDS


@dataclass
class Heard:
    bursts: list[Burst] = field(default_factory=list)
    frames: int = 0
    last_frame_at: float = 0.0


class RoomCandidate:
    """One scripted candidate; see the module docstring."""

    def __init__(self, url: str, token: str, *, record: bool = False) -> None:
        self.url = url
        self.token = token
        # every interviewer frame heard, as (arrival time, samples), when `record`
        self.recorded: list[tuple[float, np.ndarray]] | None = [] if record else None
        self.room = rtc.Room()
        self.heard = Heard()
        self.history: list[Utterance] = []
        self.agent_joined = asyncio.Event()
        self.agent_left = asyncio.Event()
        self.agent_left_at: float | None = None
        self.disconnected = asyncio.Event()
        self.frames_sent = 0
        self.lags: list[float] | None = None
        self._changed = asyncio.Condition()
        self._queue: list[Utterance] = []
        self._current: Utterance | None = None
        self._offset = 0
        self._source = rtc.AudioSource(RATE, 1, queue_size_ms=10)  # speech leaves at once
        self._track: rtc.LocalAudioTrack | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._wire(self.room)

    async def __aenter__(self) -> RoomCandidate:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- the room ---------------------------------------------------------------------------

    def _wire(self, room: rtc.Room) -> None:
        room.on("track_subscribed", self._on_track)
        room.on("participant_connected", self._on_joined)
        room.on("participant_disconnected", self._on_left)
        room.on("disconnected", lambda *_: self.disconnected.set())

    async def connect(self, token: str | None = None) -> None:
        """Join (again, after `leave()`, with a fresh token if given) and publish the mic."""
        if token is not None:
            self.token = token
        if self.disconnected.is_set():
            self.room = rtc.Room()
            self.disconnected.clear()
            self._wire(self.room)
        await self.room.connect(self.url, self.token)
        if any(p.kind == AGENT for p in self.room.remote_participants.values()):
            self.agent_joined.set()
        self._track = rtc.LocalAudioTrack.create_audio_track("microphone", self._source)
        options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        await self.room.local_participant.publish_track(self._track, options)
        if not any(t.get_name() == "microphone" for t in self._tasks if not t.done()):
            self._tasks.append(asyncio.create_task(self._pump(), name="microphone"))

    async def leave(self) -> None:
        """Disconnect from the room (a closed tab, a dropped network)."""
        with contextlib.suppress(Exception):
            await self.room.disconnect()
        self.disconnected.set()

    async def aclose(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.leave()
        await self._source.aclose()

    def _on_joined(self, participant: rtc.RemoteParticipant) -> None:
        if participant.kind == AGENT:
            self.agent_joined.set()
            self.agent_left.clear()

    def _on_left(self, participant: rtc.RemoteParticipant) -> None:
        if participant.kind == AGENT:
            self.agent_left_at = time.time()
            self.agent_left.set()

    def _on_track(self, track: rtc.Track, _pub: object, participant: rtc.RemoteParticipant) -> None:
        if track.kind == rtc.TrackKind.KIND_AUDIO and participant.kind == AGENT:
            self._tasks.append(asyncio.create_task(self._listen(track), name="speaker"))

    # -- what it hears ----------------------------------------------------------------------

    async def _listen(self, track: rtc.Track) -> None:
        stream = rtc.AudioStream.from_track(
            track=track, sample_rate=RATE, num_channels=1, frame_size_ms=10
        )
        try:
            async for event in stream:
                pcm = np.frombuffer(event.frame.data, dtype=np.int16)
                samples = pcm.astype(np.float32)
                rms = float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0
                if self.recorded is not None:
                    self.recorded.append((time.time(), pcm.copy()))
                await self._heard(time.time(), rms)
        finally:
            await stream.aclose()

    async def _heard(self, now: float, rms: float) -> None:
        heard = self.heard
        heard.frames += 1
        heard.last_frame_at = now
        if rms < LOUD_RMS:
            return
        last = heard.bursts[-1] if heard.bursts else None
        if last is not None and now - last.ended_at <= QUIET_SECONDS:
            last.ended_at, last.frames, last.peak = now, last.frames + 1, max(last.peak, rms)
            return
        heard.bursts.append(Burst(now, now, 1, rms))
        async with self._changed:
            self._changed.notify_all()

    @property
    def hearing(self) -> bool:
        """Interviewer audio arrived within the last `QUIET_SECONDS`."""
        bursts = self.heard.bursts
        return bool(bursts) and time.time() - bursts[-1].ended_at <= QUIET_SECONDS

    async def wait_for_burst(self, count: int, timeout: float = 20.0) -> Burst:
        """The `count`-th burst of interviewer audio (1-based), once it started."""

        async def started() -> Burst:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.heard.bursts) >= count)
            return self.heard.bursts[count - 1]

        return await asyncio.wait_for(started(), timeout)

    async def wait_quiet(self, timeout: float = 30.0) -> None:
        """Until the interviewer's current burst is over (QUIET_SECONDS without sound)."""
        deadline = time.monotonic() + timeout
        while self.hearing:
            if time.monotonic() > deadline:
                raise TimeoutError("the interviewer did not stop talking")
            await asyncio.sleep(0.02)

    def recording(self, start: float, end: float) -> np.ndarray:
        """The interviewer audio (48 kHz int16) heard between two wall-clock times."""
        assert self.recorded is not None, "join with record=True"
        frames = [pcm for at, pcm in self.recorded if start <= at <= end]
        return np.concatenate(frames) if frames else np.zeros(0, dtype=np.int16)

    def bursts_after(self, t: float) -> list[Burst]:
        return [b for b in self.heard.bursts if b.started_at > t]

    # -- what it says -----------------------------------------------------------------------

    def queue(self, text: str, samples: np.ndarray | None = None) -> Utterance:
        utterance = Utterance((samples if samples is not None else speak(text, RATE)), text)
        self._queue.append(utterance)
        self.history.append(utterance)
        return utterance

    async def say(self, text: str, samples: np.ndarray | None = None) -> Utterance:
        """Speak `text` (espeak-ng); return once its last frame was sent."""
        utterance = self.queue(text, samples)
        await utterance.done.wait()
        return utterance

    async def pause(self, seconds: float) -> None:
        """Say nothing for `seconds` (silence that is part of what is said)."""
        gap = Utterance(np.zeros(int(RATE * seconds), dtype=np.int16))
        self._queue.append(gap)
        await gap.done.wait()

    async def send_text(self, text: str) -> None:
        """Type into the room's chat (topic `lk.chat`), as the browser's text box would."""
        await self.room.local_participant.send_text(text, topic="lk.chat")

    def mute(self) -> None:
        assert self._track is not None
        self._track.mute()

    def unmute(self) -> None:
        assert self._track is not None
        self._track.unmute()

    async def _pump(self) -> None:
        """10 ms frames at wall-clock pace (the audio source itself blocks while its queue
        is full): the current utterance, else silence. `lags` (when set to a list) gets how
        far behind the wall clock each frame went out; a steady offset is the queue."""
        silence = np.zeros(FRAME, dtype=np.int16)
        start, sent = time.monotonic(), 0
        while True:
            frame = self._next_frame(silence)
            await self._source.capture_frame(rtc.AudioFrame(frame.tobytes(), RATE, 1, FRAME))
            self.frames_sent += 1
            sent += 1
            behind = time.monotonic() - (start + sent * FRAME_SECONDS)
            if self.lags is not None:
                self.lags.append(behind)
            if behind > 0.2:  # stalled (out of the room): no burst of catch-up frames
                start, sent = time.monotonic(), 0
            elif behind < 0:
                await asyncio.sleep(-behind)

    def _next_frame(self, silence: np.ndarray) -> np.ndarray:
        if self._current is None and self._queue:
            self._current, self._offset = self._queue.pop(0), 0
            self._current.started_at = time.time()
        current = self._current
        if current is None:
            return silence
        chunk = current.samples[self._offset : self._offset + FRAME]
        self._offset += FRAME
        if self._offset >= len(current.samples):
            current.ended_at = time.time() + FRAME_SECONDS
            current.done.set()
            self._current = None
        if len(chunk) < FRAME:
            chunk = np.concatenate([chunk, silence[: FRAME - len(chunk)]])
        return chunk

    def transcribe(self, start: float, end: float, final: bool) -> str:
        """What was said between two wall-clock times (each utterance once, when final)."""
        for utterance in self.history:
            if utterance.started_at is None or utterance.transcribed:
                continue
            spoke_until = utterance.ended_at or time.time()
            if utterance.started_at - 0.5 <= end and start <= spoke_until + 0.5:
                utterance.transcribed = utterance.transcribed or final
                return utterance.text
        return ""
