"""A local websocket that speaks Deepgram's live-transcription protocol (``/v1/listen``).

The real ``livekit-plugins-deepgram`` connects to it through ``base_url``. It cannot
recognise speech, so it segments the incoming linear16 audio by energy, like an endpointer:
a segment starts when a 20 ms chunk is loud and ends after `endpointing` seconds of quiet
(or on the client's ``Finalize``). A segment's text comes from `transcriber(start, end,
final)` (wall-clock times; tests pass the scripted microphone's `transcribe`, which knows
what it played then) or else from `transcripts` (FIFO; `default_transcript` once they run
out); word timings are spread over the segment, and an empty text is sent as such.
It sends ``SpeechStarted`` (when ``vad_events``), one interim ``Results`` after the first
`interim_after` seconds of speech, a final ``Results`` (``is_final``, ``speech_final``) at
the segment's end, and ``Metadata`` on ``CloseStream``.

Every connection's query string is kept in `queries` (values as lists, like
``urllib.parse.parse_qs``) so tests can assert what the plugin asked for.
"""

from __future__ import annotations

import asyncio
import collections
import json
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

import numpy as np
from aiohttp import WSMsgType, web

from tests.fakes.threaded import ThreadedServer

CHUNK_SECONDS = 0.02
LOUD_RMS = 300.0


Transcriber = Callable[[float, float, bool], str]


@dataclass
class _Segment:
    start: float
    last_loud: float
    wall_start: float
    wall_last_loud: float
    interim_sent: bool = False


class FakeDeepgram(ThreadedServer):
    """`async with FakeDeepgram(transcripts=[...]) as dg:` then `deepgram.STT(base_url=dg.url)`
    (or `with FakeDeepgram() as dg:` on its own loop in a thread, for other processes)."""

    def __init__(
        self,
        *,
        api_key: str = "dg-test-key",
        transcripts: list[str] | None = None,
        transcriber: Transcriber | None = None,
        default_transcript: str = "Okay.",
        endpointing: float = 0.3,
        interim_after: float = 0.4,
    ) -> None:
        self.api_key = api_key
        self.transcripts = collections.deque(transcripts or [])
        self.transcriber = transcriber
        # picks a transcriber per connection from its query (several agents at once)
        self.transcriber_for: Callable[[dict[str, list[str]]], Transcriber | None] | None = None
        self.default_transcript = default_transcript
        self.endpointing = endpointing
        self.interim_after = interim_after
        self.queries: list[dict[str, list[str]]] = []
        self.finals: list[str] = []
        self.connections = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/listen"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/v1/listen", self._listen)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _listen(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Token {self.api_key}":
            return web.json_response({"err_code": "INVALID_AUTH"}, status=401)
        query = parse_qs(request.query_string)
        self.queries.append(query)
        self.connections += 1
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        stream = _Stream(self, ws, query)
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                await stream.audio(msg.data)
            elif msg.type == WSMsgType.TEXT:
                kind = json.loads(msg.data).get("type")
                if kind == "Finalize":
                    await stream.end_segment(from_finalize=True)
                elif kind == "CloseStream":
                    await stream.end_segment(from_finalize=True)
                    await ws.send_json({"type": "Metadata", "request_id": stream.request_id})
                    await ws.close()
        return ws

    def transcript(
        self, start: float, end: float, *, final: bool, using: Transcriber | None = None
    ) -> str:
        """The text of a segment heard between two wall-clock times."""
        transcriber = using or self.transcriber
        if transcriber is not None:
            text = transcriber(start, end, final)
        elif not final:
            text = self.transcripts[0] if self.transcripts else self.default_transcript
        else:
            text = self.transcripts.popleft() if self.transcripts else self.default_transcript
        if final and text:
            self.finals.append(text)
        return text


class _Stream:
    """One websocket: audio time, the open segment, and the messages it causes."""

    def __init__(self, server: FakeDeepgram, ws: web.WebSocketResponse, query: dict) -> None:
        self.server = server
        self.ws = ws
        self.rate = int(query.get("sample_rate", ["16000"])[0])
        self.vad_events = query.get("vad_events", ["false"])[0] == "true"
        self.request_id = str(uuid.uuid4())
        chooser = server.transcriber_for
        self.transcriber = chooser(query) if chooser is not None else None
        self.clock = 0.0  # seconds of audio received
        self.segment: _Segment | None = None
        self._pending = b""

    async def audio(self, data: bytes) -> None:
        self._pending += data
        size = int(self.rate * CHUNK_SECONDS) * 2
        while len(self._pending) >= size:
            chunk, self._pending = self._pending[:size], self._pending[size:]
            samples = np.frombuffer(chunk, dtype=np.int16).astype(np.float32)
            await self._chunk(float(np.sqrt(np.mean(samples**2))) >= LOUD_RMS)

    async def _chunk(self, loud: bool) -> None:
        start = self.clock
        self.clock += CHUNK_SECONDS
        segment = self.segment
        now = time.time()
        if loud and segment is None:
            self.segment = _Segment(start, self.clock, now, now)
            if self.vad_events:
                await self._send({"type": "SpeechStarted", "channel": [0], "timestamp": start})
            return
        if segment is None:
            return
        if loud:
            segment.last_loud, segment.wall_last_loud = self.clock, now
        if not segment.interim_sent and self.clock - segment.start >= self.server.interim_after:
            segment.interim_sent = True
            heard = self.server.transcript(
                segment.wall_start, now, final=False, using=self.transcriber
            )
            words = heard.split()
            if words:
                partial = " ".join(words[: max(1, len(words) // 2)])
                await self._send(self._results(partial, segment, is_final=False))
        if self.clock - segment.last_loud >= self.server.endpointing:
            await self.end_segment(from_finalize=False)

    async def end_segment(self, *, from_finalize: bool) -> None:
        segment, self.segment = self.segment, None
        if segment is None:
            if from_finalize:  # Deepgram answers a Finalize even with nothing pending
                await self._send(self._empty_results())
            return
        text = self.server.transcript(
            segment.wall_start, segment.wall_last_loud, final=True, using=self.transcriber
        )
        message = self._results(text, segment, is_final=True)
        message["from_finalize"] = from_finalize
        await self._send(message)

    def _results(self, text: str, segment: _Segment, *, is_final: bool) -> dict:
        words = text.split()
        end = segment.last_loud if is_final else self.clock
        step = (end - segment.start) / max(1, len(words))
        entries = [
            {
                "word": w.strip(".,?!").lower(),
                "punctuated_word": w,
                "start": round(segment.start + i * step, 3),
                "end": round(segment.start + (i + 1) * step, 3),
                "confidence": 0.98,
            }
            for i, w in enumerate(words)
        ]
        return self._envelope(text, entries, segment.start, end, is_final)

    def _empty_results(self) -> dict:
        message = self._envelope("", [], self.clock, self.clock, True)
        message["from_finalize"] = True
        return message

    def _envelope(self, text: str, words: list, start: float, end: float, final: bool) -> dict:
        alternative = {"transcript": text, "confidence": 0.98 if text else 0.0, "words": words}
        return {
            "type": "Results",
            "channel_index": [0, 1],
            "duration": round(end - start, 3),
            "start": round(start, 3),
            "is_final": final,
            "speech_final": final,
            "channel": {"alternatives": [alternative]},
            "metadata": {"request_id": self.request_id, "model_uuid": "fake"},
        }

    async def _send(self, message: dict) -> None:
        if not self.ws.closed:
            try:
                await self.ws.send_json(message)
            except (ConnectionResetError, asyncio.CancelledError):
                raise
            except Exception:
                pass
