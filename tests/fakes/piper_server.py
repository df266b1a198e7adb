"""A stand-in for Piper's HTTP server (`python -m piper.http_server`) that the test steers.

`POST /synthesize` answers a 22050 Hz WAV tone lasting `SECONDS_PER_CHAR` per character of
the text, so the audio a client gets back can be counted exactly. The test can hold every
sentence after the first `hold_after` until `release()`, or fail from the `fail_after`-th on
(HTTP 500). `texts` lists what was asked, in order; `cancelled` counts the requests whose
client went away while held. Use `async with FakePiper(port) as piper` inside a test's loop.
"""

from __future__ import annotations

import asyncio
import io
import wave

import numpy as np
from aiohttp import web

RATE = 22050
SECONDS_PER_CHAR = 0.02


def samples_for(text: str) -> int:
    """How many samples the fake answers for `text`, at `RATE`."""
    return int(len(text) * SECONDS_PER_CHAR * RATE)


class FakePiper:
    def __init__(self, port: int) -> None:
        self.port = port
        self.texts: list[str] = []
        self.cancelled = 0
        self.hold_after: int | None = None
        self.fail_after: int | None = None
        self._released = asyncio.Event()
        self._runner: web.AppRunner | None = None

    def release(self) -> None:
        self._released.set()

    async def __aenter__(self) -> FakePiper:
        app = web.Application()
        app.router.add_get("/info", self._info)
        app.router.add_post("/synthesize", self._synthesize)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    async def _info(self, request: web.Request) -> web.Response:
        return web.json_response({"voice": {"name": "fake", "language": "en-us"}, "last": None})

    async def _synthesize(self, request: web.Request) -> web.Response:
        text = (await request.json())["text"]
        self.texts.append(text)
        if self.fail_after is not None and len(self.texts) > self.fail_after:
            return web.Response(status=500, text="synthesis failed")
        if self.hold_after is not None and len(self.texts) > self.hold_after:
            try:
                await self._released.wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
        t = np.arange(samples_for(text)) / RATE
        tone = np.round(8000 * np.sin(2 * np.pi * 330 * t)).astype("<i2")
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(RATE)
            wav.writeframes(tone.tobytes())
        return web.Response(body=buffer.getvalue(), content_type="audio/wav")
