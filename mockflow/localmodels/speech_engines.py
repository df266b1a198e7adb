"""The two engines behind the local speech server: Whisper in-process, Piper over HTTP.

`Transcriber` runs faster-whisper in one worker thread (one transcription at a time, in
arrival order), so the server's event loop never waits on the model. `PiperVoice` is a
client of Piper's own HTTP server (`python -m piper.http_server`): Piper is GPL-3.0, so it
only ever runs as a separate process and is never imported here.
Logs carry sizes and timings, never a transcript or the text to speak.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from mockflow.errors import MockflowError
from mockflow.localmodels.audio import AudioFormatError, Pcm, read_wav, resample

log = logging.getLogger("mockflow.speech")


class VoiceUnavailable(MockflowError):
    """Piper's HTTP server did not answer, or answered with an error or unreadable audio."""


class WhisperLoadError(MockflowError):
    """The Whisper model folder could not be loaded (damaged, wrong format or version)."""


@dataclass(frozen=True)
class TranscriptionOptions:
    language: str = "en"
    prompt: str | None = None
    temperature: float | None = None  # None: Whisper's own fallback from 0.0 upwards
    timestamps: bool = False  # segment times, for verbose_json


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    duration: float
    segments: list[dict[str, object]] = field(default_factory=list)

    def verbose(self) -> dict[str, object]:
        """OpenAI's `verbose_json` form."""
        return {
            "task": "transcribe",
            "language": self.language,
            "duration": self.duration,
            "text": self.text,
            "segments": self.segments,
        }


class Transcriber:
    """faster-whisper (CPU, int8) behind one worker thread, which also decodes the upload.

    `beam_size` 1 (greedy) by default: on Whisper tiny.en and clear speech it gave the same
    words as beam 5, and the decoder's cost grows with the beam while the candidate waits.
    """

    def __init__(self, model_dir: Path, *, threads: int = 2, beam_size: int = 1) -> None:
        self.model_dir = model_dir
        self.threads = threads
        self.beam_size = beam_size
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="whisper")
        self._model: Any = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    async def load(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._load)

    def _load(self) -> None:
        from faster_whisper import WhisperModel  # type: ignore[import-untyped]

        started = time.monotonic()
        try:
            self._model = WhisperModel(
                str(self.model_dir), device="cpu", compute_type="int8", cpu_threads=self.threads
            )
        except (RuntimeError, ValueError, OSError) as exc:  # what CTranslate2 raises on a bad file
            raise WhisperLoadError(
                f"The Whisper model in {self.model_dir} is unusable: {exc}"
            ) from None
        log.info("whisper: loaded %s in %.2f s", self.model_dir, time.monotonic() - started)

    async def transcribe(self, upload: bytes, options: TranscriptionOptions) -> Transcript:
        """The words in `upload` (any format PyAV reads); `AudioFormatError` if unreadable."""
        queued = time.monotonic()
        loop = asyncio.get_running_loop()
        transcript, busy = await loop.run_in_executor(
            self._executor, self._transcribe, upload, options
        )
        wall = time.monotonic() - queued
        rtf = busy / transcript.duration if transcript.duration else 0.0
        log.info(
            "transcription: %d bytes, %.2f s audio in %.2f s (queued %.2f s, RTF %.3f)",
            len(upload), transcript.duration, wall, wall - busy, rtf,
        )  # fmt: skip
        return transcript

    def _transcribe(self, upload: bytes, options: TranscriptionOptions) -> tuple[Transcript, float]:
        import av
        from faster_whisper import decode_audio

        started = time.monotonic()
        try:
            audio = decode_audio(io.BytesIO(upload))
        except (av.error.FFmpegError, ValueError, OSError):
            raise AudioFormatError("The audio file could not be decoded.") from None
        if len(audio) == 0:
            raise AudioFormatError("The audio file holds no audio.")
        log.info("transcription: %.2f s of audio decoded, transcribing", len(audio) / 16000)
        temperature = {} if options.temperature is None else {"temperature": options.temperature}
        segments, info = self._model.transcribe(
            audio,
            language=options.language,
            beam_size=self.beam_size,
            initial_prompt=options.prompt,
            without_timestamps=not options.timestamps,
            **temperature,
        )
        parts = list(segments)  # the segments are decoded lazily, here
        text = "".join(s.text for s in parts).strip()
        rows = [_segment_row(s) for s in parts] if options.timestamps else []
        transcript = Transcript(text, info.language, round(info.duration, 3), rows)
        return transcript, time.monotonic() - started

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


_SEGMENT_FIELDS = (
    "id", "seek", "start", "end", "text", "tokens", "temperature", "avg_logprob",
    "compression_ratio", "no_speech_prob",
)  # fmt: skip


def _segment_row(segment: Any) -> dict[str, object]:
    """One segment of OpenAI's `verbose_json`."""
    return {name: getattr(segment, name) for name in _SEGMENT_FIELDS}


class PiperVoice:
    """Client of Piper's HTTP server: `POST /synthesize` per sentence, `GET /info` to probe."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session

    async def answers(self) -> bool:
        try:
            timeout = aiohttp.ClientTimeout(total=2.0)
            async with self._session.get(f"{self.base_url}/info", timeout=timeout) as resp:
                return resp.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def synthesize(self, text: str, speed: float = 1.0) -> Pcm:
        """One sentence as 16-bit mono samples at the voice's own rate."""
        payload: dict[str, object] = {"text": text}
        if speed != 1.0:
            payload["length_scale"] = round(1.0 / speed, 4)  # the packaged voice's default is 1
        timeout = aiohttp.ClientTimeout(total=60.0, sock_connect=3.0)
        try:
            async with self._session.post(
                f"{self.base_url}/synthesize", json=payload, timeout=timeout
            ) as resp:
                if resp.status != 200:
                    raise VoiceUnavailable(f"The voice server answered HTTP {resp.status}.")
                data = await resp.read()
            return read_wav(data)
        except (aiohttp.ClientError, TimeoutError) as exc:
            reason = type(exc).__name__
            raise VoiceUnavailable(
                f"The voice server at {self.base_url} is not answering ({reason})."
            ) from None
        except AudioFormatError as exc:
            raise VoiceUnavailable(f"The voice server sent unreadable audio: {exc}") from None

    async def speak(self, pieces: list[str], rate: int, speed: float = 1.0) -> AsyncIterator[Pcm]:
        """Each piece's audio at `rate`, yielded as soon as it is synthesized."""
        for piece in pieces:
            pcm = await self.synthesize(piece, speed)
            samples = await asyncio.to_thread(resample, pcm.samples, pcm.rate, rate)
            yield Pcm(samples, rate)
