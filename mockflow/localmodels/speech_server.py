"""MockFlow's local speech server: OpenAI's audio API on loopback, over Whisper and Piper.

    python -m mockflow.localmodels.speech_server --host 127.0.0.1 --port P \
        --whisper-model DIR [--piper-url URL] [--threads N] [--beam-size B]

- `POST /v1/audio/transcriptions`, multipart as the OpenAI SDK sends it (`file`, `model`,
  `language`, `prompt`, `response_format` json | text | verbose_json, `temperature`).
- `POST /v1/audio/speech`, JSON (`input`, `speed`, `response_format`, `stream_format`): each
  sentence is synthesized by Piper and sent at 24 kHz 16-bit mono as soon as it is ready —
  raw `audio/pcm` for "pcm", a streamed `audio/wav` for "wav" and for the formats this
  server does not encode (mp3, opus, aac, flac: the Content-Type says what was sent). With
  `stream_format` "sse" and pcm or wav, the same audio as OpenAI's `speech.audio.delta` events.
- `GET /health`: 200 once Whisper is loaded (503 while it loads), and whether Piper answers.
- `GET /v1/models`: "whisper-1" and "tts-1"; requests may name any model.
Errors come in OpenAI's JSON envelope: 400 for bad input, 503 when Piper is down.
Logs carry sizes and timings only, never a transcript or the text to speak.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import logging
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import numpy as np
from aiohttp import web

from mockflow.errors import MockflowError
from mockflow.localmodels.audio import (
    AudioFormatError,
    Pcm,
    pcm_bytes,
    split_sentences,
    wav_stream_header,
)
from mockflow.localmodels.speech_engines import (
    PiperVoice,
    Transcriber,
    TranscriptionOptions,
    VoiceUnavailable,
    WhisperLoadError,
)

log = logging.getLogger("mockflow.speech")

OUTPUT_RATE = 24000  # what livekit-plugins-openai's TTS declares for every format
MAX_UPLOAD = 25 * 2**20  # OpenAI's limit for an audio upload
MAX_FIELD = 64 * 2**10
MAX_INPUT_CHARS = 4096  # OpenAI's limit for the text to speak
TRANSCRIPT_FORMATS = ("json", "text", "verbose_json")


class BadRequest(MockflowError):
    """A request this server cannot serve as asked; answered 400 naming the field."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def _error(status: int, message: str, param: str | None = None) -> web.Response:
    """An error in OpenAI's envelope, which the OpenAI SDK raises as `APIStatusError`."""
    kind = "invalid_request_error" if status < 500 else "service_unavailable"
    body = {"error": {"message": message, "type": kind, "param": param, "code": None}}
    return web.json_response(body, status=status)


@dataclass(frozen=True)
class SpeechRequest:
    """What an OpenAI `POST /audio/speech` body asks for, checked."""

    text: str
    speed: float = 1.0
    response_format: str = "mp3"
    sse: bool = False  # OpenAI's `speech.audio.delta` events; only for pcm and wav

    @classmethod
    def parse(cls, body: object) -> SpeechRequest:
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object.")
        text = body.get("input")
        if not isinstance(text, str) or not text.strip():
            raise BadRequest("'input' must be non-empty text.", "input")
        if len(text) > MAX_INPUT_CHARS:
            raise BadRequest(f"'input' is longer than {MAX_INPUT_CHARS} characters.", "input")
        speed = body.get("speed", 1.0)
        if isinstance(speed, bool) or not isinstance(speed, int | float) or not 0.25 <= speed <= 4:
            raise BadRequest("'speed' must be a number from 0.25 to 4.0.", "speed")
        fmt = body.get("response_format", "mp3")
        if not isinstance(fmt, str):
            raise BadRequest("'response_format' must be text.", "response_format")
        # events carry the asked format's bytes, so only formats sent as asked go as events
        sse = body.get("stream_format") == "sse" and fmt in ("pcm", "wav")
        return cls(text, float(speed), fmt, sse)

    @property
    def media_type(self) -> str:
        if self.sse:
            return "text/event-stream"
        return "audio/pcm" if self.response_format == "pcm" else "audio/wav"


class SpeechApi:
    """The HTTP handlers, over one transcriber and an optional voice."""

    def __init__(self, transcriber: Transcriber, voice: PiperVoice | None = None) -> None:
        self.transcriber = transcriber
        self.voice = voice

    async def health(self, request: web.Request) -> web.Response:
        piper = None
        if self.voice is not None:
            piper = {"url": self.voice.base_url, "ok": await self.voice.answers()}
        loaded = self.transcriber.loaded
        body = {"status": "ok" if loaded else "loading", "whisper": loaded, "piper": piper}
        return web.json_response(body, status=200 if loaded else 503)

    async def models(self, request: web.Request) -> web.Response:
        served = ["whisper-1"] + (["tts-1"] if self.voice is not None else [])
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "mockflow"} for m in served]
        return web.json_response({"object": "list", "data": data})

    async def transcriptions(self, request: web.Request) -> web.Response:
        try:
            upload, fields = await _read_upload(request)
            options = transcription_options(fields)
        except BadRequest as exc:
            return _error(400, str(exc), exc.param)
        if not self.transcriber.loaded:
            return _error(503, "Speech recognition is still loading; try again in a moment.")
        try:
            transcript = await self.transcriber.transcribe(upload, options)
        except AudioFormatError as exc:
            return _error(400, str(exc), "file")
        fmt = fields.get("response_format", "json")
        if fmt == "text":
            return web.Response(text=transcript.text + "\n", content_type="text/plain")
        if fmt == "verbose_json":
            return web.json_response(transcript.verbose())
        return web.json_response({"text": transcript.text})

    async def speech(self, request: web.Request) -> web.StreamResponse:
        try:
            asked = SpeechRequest.parse(await _json_body(request))
        except BadRequest as exc:
            return _error(400, str(exc), exc.param)
        if self.voice is None:
            return _error(503, "This speech server has no voice (start it with --piper-url).")
        started = time.monotonic()
        audio = self.voice.speak(split_sentences(asked.text), OUTPUT_RATE, asked.speed)
        try:  # the first sentence before the headers, so a Piper that is down gets a 503
            first = await anext(audio, None)
        except VoiceUnavailable as exc:
            log.warning("speech: %s", exc)
            return _error(503, str(exc))
        if first is None:  # nothing speakable ("..."): a moment of silence, not an empty reply
            first = Pcm(np.zeros(OUTPUT_RATE // 10, dtype=np.int16), OUTPUT_RATE)
        response = web.StreamResponse(headers={"Content-Type": asked.media_type})
        await response.prepare(request)
        first_after = time.monotonic() - started
        sent = await _stream(response, first, audio, asked)
        if sent is None:
            if request.transport is not None:
                request.transport.close()  # the client sees a cut stream, not a short success
            return response
        await response.write_eof()
        wall = time.monotonic() - started
        log.info(
            "speech: %d chars, %.2f s audio in %.2f s (first audio after %.2f s, RTF %.3f)",
            len(asked.text), sent, wall, first_after, wall / sent if sent else 0.0,
        )  # fmt: skip
        return response


async def _stream(
    response: web.StreamResponse, first: Pcm | None, rest: AsyncIterator[Pcm], asked: SpeechRequest
) -> float | None:
    """Write every piece's audio; the seconds sent, or None if Piper or the client failed."""
    encode: Callable[[bytes], bytes] = _sse_event if asked.sse else bytes
    if asked.response_format != "pcm":
        await response.write(encode(wav_stream_header(OUTPUT_RATE)))
    seconds, pcm = 0.0, first
    try:
        while pcm is not None:
            await response.write(encode(pcm_bytes(pcm.samples)))
            seconds += pcm.seconds
            pcm = await anext(rest, None)
    except VoiceUnavailable as exc:
        log.warning("speech: stopped after %.2f s of audio: %s", seconds, exc)
        return None
    except ConnectionResetError:
        log.info("speech: the client left after %.2f s of audio", seconds)
        return None
    except asyncio.CancelledError:  # the client left while a sentence was being synthesized
        log.info("speech: the client left after %.2f s of audio", seconds)
        raise
    if asked.sse:
        await response.write(b'data: {"type": "speech.audio.done"}\n\n')
    return seconds


def _sse_event(audio: bytes) -> bytes:
    event = {"type": "speech.audio.delta", "audio": base64.b64encode(audio).decode("ascii")}
    return f"data: {json.dumps(event)}\n\n".encode()


async def _json_body(request: web.Request) -> object:
    try:
        return json.loads(await request.read())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadRequest("The request body must be JSON.") from None


async def _read_upload(request: web.Request) -> tuple[bytes, dict[str, str]]:
    """The uploaded file and the form's text fields, each size-checked as it arrives."""
    if not request.content_type.startswith("multipart/"):
        raise BadRequest("Send the audio as multipart/form-data with a 'file' field.", "file")
    if (request.content_length or 0) > MAX_UPLOAD + MAX_FIELD:
        raise BadRequest(f"The upload is larger than {MAX_UPLOAD // 2**20} MB.", "file")
    upload = b""
    fields: dict[str, str] = {}
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, aiohttp.BodyPartReader) or not part.name:
                continue
            if part.name == "file":
                upload = await _read_part(part, MAX_UPLOAD)
            else:
                fields[part.name] = (await _read_part(part, MAX_FIELD)).decode()
    except (ValueError, UnicodeDecodeError, aiohttp.ClientPayloadError):
        raise BadRequest("The multipart form could not be read.") from None
    if not upload:
        raise BadRequest("No audio: the form has no 'file', or it is empty.", "file")
    return upload, fields


async def _read_part(part: aiohttp.BodyPartReader, limit: int) -> bytes:
    chunks, size = [], 0
    while chunk := await part.read_chunk(256 * 2**10):
        size += len(chunk)
        if size > limit:
            shown = f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit // 2**10} KB"
            raise BadRequest(f"'{part.name}' is larger than {shown}.", part.name)
        chunks.append(chunk)
    return b"".join(chunks)


def transcription_options(fields: dict[str, str]) -> TranscriptionOptions:
    """Whisper's options from the form's text fields; `BadRequest` naming a field it refuses."""
    fmt = fields.get("response_format", "json")
    if fmt not in TRANSCRIPT_FORMATS:
        allowed = ", ".join(TRANSCRIPT_FORMATS)
        raise BadRequest(f"'response_format' must be one of {allowed}.", "response_format")
    temperature = None
    if fields.get("temperature"):
        try:
            temperature = float(fields["temperature"])
        except ValueError:
            raise BadRequest("'temperature' must be a number.", "temperature") from None
    return TranscriptionOptions(
        language=fields.get("language") or "en",
        prompt=fields.get("prompt") or None,
        temperature=temperature,
        timestamps=fmt == "verbose_json",
    )


async def _add_request_id(request: web.Request, response: web.StreamResponse) -> None:
    """An `x-request-id` on every answer: the OpenAI SDK reports it as the request's id."""
    response.headers["x-request-id"] = f"req_{uuid.uuid4().hex[:24]}"


def create_app(transcriber: Transcriber, piper_url: str | None) -> web.Application:
    """The server's routes; the HTTP session to Piper lives as long as the app."""
    app = web.Application()
    api = SpeechApi(transcriber)

    async def piper_session(app: web.Application) -> AsyncIterator[None]:
        if piper_url is None:
            yield
            return
        async with aiohttp.ClientSession() as session:
            api.voice = PiperVoice(piper_url, session)
            yield

    app.cleanup_ctx.append(piper_session)
    app.on_response_prepare.append(_add_request_id)
    app.router.add_get("/health", api.health)
    app.router.add_get("/v1/models", api.models)
    app.router.add_post("/v1/audio/transcriptions", api.transcriptions)
    app.router.add_post("/v1/audio/speech", api.speech)
    return app


async def serve(host: str, port: int, transcriber: Transcriber, piper_url: str | None) -> None:
    """Listen at once (so /health can say "loading"), load Whisper, serve until SIGTERM/SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    # a client that goes away (a candidate interrupting the voice) cancels its synthesis
    runner = web.AppRunner(create_app(transcriber, piper_url), handler_cancellation=True)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        log.info("speech server listening on http://%s:%d", host, port)
        await transcriber.load()
        await stop.wait()
    finally:
        await runner.cleanup()
        transcriber.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mockflow.localmodels.speech_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--whisper-model", type=Path, required=True, help="a CTranslate2 folder")
    parser.add_argument("--piper-url", help="Piper's HTTP server, e.g. http://127.0.0.1:5000")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for Whisper")
    parser.add_argument("--beam-size", type=int, default=1, help="Whisper's beam (1: greedy)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if not (args.whisper_model / "model.bin").is_file():
        log.error("No Whisper model (model.bin) in %s.", args.whisper_model)
        return 2
    transcriber = Transcriber(args.whisper_model, threads=args.threads, beam_size=args.beam_size)
    try:
        asyncio.run(serve(args.host, args.port, transcriber, args.piper_url))
    except ImportError:
        log.error('Speech recognition is not installed: pip install "mockflow[local]"')
        return 2
    except (OSError, WhisperLoadError) as exc:
        log.error("The speech server could not start: %s", exc)
        return 1
    except Exception:
        log.exception("The speech server stopped on an unexpected error.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
