"""A local OpenAI-compatible HTTP server for tests (no network beyond loopback).

The real ``openai`` SDK and the real ``livekit-plugins-openai`` (LLM, STT, TTS) talk to it
through ``base_url``. Chat completions are scripted: queued :class:`Reply` objects are used
first (FIFO), then the ``responder`` callback, then a default follow-up question.

Endpoints under ``/v1``: ``GET /models``, ``POST /chat/completions`` (SSE streaming with
OpenAI-shaped chunks, including tool calls whose arguments arrive in fragments, or a plain
JSON completion), ``POST /audio/transcriptions`` (answers ``transcript``) and
``POST /audio/speech`` (a quiet tone: raw 24 kHz PCM for ``pcm``, WAV for everything else,
always with a truthful ``content-type``, which the livekit plugin decodes by).

Use ``async with FakeOpenAI() as server`` inside a test's loop, or ``with FakeOpenAI() as
server`` to run it on its own loop in a daemon thread (sync tests, subprocesses).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import io
import json
import math
import re
import socket
import time
import uuid
import wave
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.threaded import ThreadedServer

DEFAULT_TEXT = "Could you tell me more about that?"
MODELS = ("gpt-4o-mini", "gpt-4.1", "gpt-4o-mini-tts", "gpt-4o-mini-transcribe", "whisper-1")
SAMPLE_RATE = 24000


@dataclass
class Reply:
    """One scripted chat-completion answer."""

    text: str | None = None
    tool_calls: list[tuple[str, dict]] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    hang: bool = False
    code: str | None = None  # the error's code (an error reply)
    pings: float = 0.0  # seconds of SSE keep-alive comments after the headers, before a token


def text(s: str) -> Reply:
    return Reply(text=s)


def tool(name: str, **arguments: Any) -> Reply:
    return Reply(tool_calls=[(name, arguments)])


def tool_as_text(name: str, before: str = "", after: str = "", **arguments: Any) -> Reply:
    """A reply that writes its tool call as text, the way a small model on its own chat
    template does (seen from Qwen2.5-Coder-0.5B on llama.cpp): a JSON object in a fence."""
    call = json.dumps({"name": name, "arguments": arguments})
    return Reply(text=f"{before}```json\n{call}\n```{after}")


def error(status: int, message: str = "Simulated error from the fake OpenAI server") -> Reply:
    return Reply(text=message, status=status)


Responder = Callable[[dict], Reply]


def _error_response(status: int, message: str, code: str | None = None) -> web.Response:
    if status == 429:
        err_type, code = "requests", code or "rate_limit_exceeded"
    elif status >= 500:
        err_type = "server_error"
    else:
        err_type = "invalid_request_error"
    body = {"error": {"message": message, "type": err_type, "param": None, "code": code}}
    headers = {"retry-after": "0"} if status == 429 else {}
    return web.json_response(body, status=status, headers=headers)


async def _add_request_id(_: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("x-request-id", f"req_{uuid.uuid4().hex[:24]}")


def _text_pieces(s: str) -> list[str]:
    """Split text into groups of two words (whitespace kept), so ''.join(pieces) == s."""
    words = re.findall(r"\s*\S+\s*|\s+", s)
    return ["".join(words[i : i + 2]) for i in range(0, len(words), 2)]


def _fragments(s: str) -> list[str]:
    size = max(1, math.ceil(len(s) / 3))
    return [s[i : i + size] for i in range(0, len(s), size)]


def _tone(seconds: float) -> bytes:
    """A quiet 220 Hz tone as 16-bit mono PCM at 24 kHz."""
    n = int(SAMPLE_RATE * seconds)
    step = 2 * math.pi * 220 / SAMPLE_RATE
    return array("h", (int(600 * math.sin(step * i)) for i in range(n))).tobytes()


def _wav(pcm: bytes) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm)
    return buf.getvalue()


class FakeOpenAI(ThreadedServer):
    """Scriptable OpenAI-compatible server; see the module docstring."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        responder: Responder | None = None,
        transcript: str = "hello",
        transcriber: Callable[[float, float, bool], str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        chunk_delay: float = 0.0,
    ) -> None:
        self.api_key = api_key
        self.chunk_delay = chunk_delay  # seconds between streamed pieces: a model's pace
        self.responder = responder
        self.transcript = transcript
        self.transcriber = transcriber
        self.host = host
        self.port = port
        self.requests: list[dict] = []
        self.usage_sent: list[dict] = []  # the usage figures of each completed reply
        self.transcriptions = 0
        self.speech_requests: list[dict] = []
        self.fail_all: Reply | None = None
        self._queue: collections.deque[Reply] = collections.deque()
        self._runner: web.AppRunner | None = None
        self._closed: asyncio.Event | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def enqueue(self, *replies: Reply) -> None:
        self._queue.extend(replies)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self._closed = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.on_response_prepare.append(_add_request_id)
        app.router.add_get("/v1/models", self._models)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/audio/transcriptions", self._transcriptions)
        app.router.add_post("/v1/audio/speech", self._speech)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def aclose(self) -> None:
        if self._closed is not None:
            self._closed.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- handlers --------------------------------------------------------------------------

    def _unauthorized(self, request: web.Request) -> web.Response | None:
        if self.api_key is None:
            return None
        if request.headers.get("Authorization", "") == f"Bearer {self.api_key}":
            return None
        return _error_response(401, "Incorrect API key provided", "invalid_api_key")

    async def _models(self, request: web.Request) -> web.Response:
        if denied := self._unauthorized(request):
            return denied
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in MODELS]
        return web.json_response({"object": "list", "data": data})

    def _next_reply(self, body: dict) -> Reply:
        if self.fail_all is not None:
            return self.fail_all
        if self._queue:
            return self._queue.popleft()
        if self.responder is not None:
            try:
                return self.responder(body)
            except Exception as e:
                return error(500, f"fake responder raised {e!r}")
        return text(DEFAULT_TEXT)

    async def _wait(self, reply: Reply) -> bool:
        """Sleep for the reply's delay (or forever if it hangs); False if the server closed."""
        assert self._closed is not None
        if not reply.hang and reply.delay <= 0:
            return True
        timeout = None if reply.hang else reply.delay
        try:
            await asyncio.wait_for(self._closed.wait(), timeout)
        except TimeoutError:
            return True
        return False

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body: dict = await request.json()
        self.requests.append(body)
        if denied := self._unauthorized(request):
            return denied
        reply = self._next_reply(body)
        if not await self._wait(reply):
            return _error_response(503, "fake server shutting down")
        if reply.status != 200:
            return _error_response(reply.status, reply.text or "error", reply.code)
        model = body.get("model", "gpt-4o-mini")
        calls = [
            {
                "id": f"call_{uuid.uuid4().hex[:24]}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for name, args in reply.tool_calls
        ]
        usage = self._usage(body, reply)
        base = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "created": int(time.time())}
        base["model"] = model
        finish = "tool_calls" if calls else "stop"
        if not body.get("stream"):
            message = {"role": "assistant", "content": reply.text, "refusal": None}
            if calls:
                message["tool_calls"] = calls
            choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
            completion = {**base, "object": "chat.completion", "choices": [choice]}
            self.usage_sent.append(usage)
            return web.json_response({**completion, "usage": usage})

        resp = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await resp.prepare(request)
        if reply.pings and not await self._ping(resp, reply.pings):
            return resp
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        try:
            for index, chunk in enumerate(self._chunks(reply, calls, finish)):
                if index and self.chunk_delay:
                    await asyncio.sleep(self.chunk_delay)
                event = {**base, "object": "chat.completion.chunk", **chunk}
                if include_usage:
                    event["usage"] = None
                await resp.write(f"data: {json.dumps(event)}\n\n".encode())
            if include_usage:
                event = {**base, "object": "chat.completion.chunk", "choices": [], "usage": usage}
                await resp.write(f"data: {json.dumps(event)}\n\n".encode())
                self.usage_sent.append(usage)
            await resp.write(b"data: [DONE]\n\n")
            await resp.write_eof()
        except (ConnectionResetError, ConnectionError):
            pass  # the client went away mid-stream
        return resp

    async def _ping(self, resp: web.StreamResponse, seconds: float) -> bool:
        """Keep the stream alive with comments, as llama-cpp-python's server does while
        its model reads the prompt; False if the client left or the server closed."""
        assert self._closed is not None
        deadline = time.monotonic() + seconds
        try:
            while (left := deadline - time.monotonic()) > 0:
                await resp.write(b": ping\n\n")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closed.wait(), min(0.2, left))
                if self._closed.is_set():
                    return False
        except (ConnectionResetError, ConnectionError):
            return False
        return True

    @staticmethod
    def _chunks(reply: Reply, calls: list[dict], finish: str) -> Iterator[dict]:
        def choice(delta: dict, finish_reason: str | None = None) -> dict:
            c = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
            return {"choices": [c]}

        yield choice({"role": "assistant", "content": "" if reply.text else None})
        for piece in _text_pieces(reply.text or ""):
            yield choice({"content": piece})
        for index, call in enumerate(calls):
            fn = call["function"]
            head = {"index": index, "id": call["id"], "type": "function"}
            head["function"] = {"name": fn["name"], "arguments": ""}
            yield choice({"tool_calls": [head]})
            for frag in _fragments(fn["arguments"]):
                yield choice({"tool_calls": [{"index": index, "function": {"arguments": frag}}]})
        yield choice({}, finish)

    def usage_totals(self) -> tuple[int, int]:
        """(prompt, completion) tokens over every reply sent with its usage."""
        return (
            sum(u["prompt_tokens"] for u in self.usage_sent),
            sum(u["completion_tokens"] for u in self.usage_sent),
        )

    @staticmethod
    def _usage(body: dict, reply: Reply) -> dict:
        prompt = max(1, len(json.dumps(body.get("messages", []))) // 4)
        out = len((reply.text or "").split()) + sum(
            len(json.dumps(a)) // 4 + 1 for _, a in reply.tool_calls
        )
        return {
            "prompt_tokens": prompt,
            "completion_tokens": out,
            "total_tokens": prompt + out,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
        }

    async def _transcriptions(self, request: web.Request) -> web.Response:
        form = await request.post()
        if denied := self._unauthorized(request):
            return denied
        self.transcriptions += 1
        said = self._transcribe(form.get("file"))
        fmt = str(form.get("response_format", "json"))
        if fmt == "text":
            return web.Response(text=said)
        result: dict[str, Any] = {"text": said}
        if fmt == "verbose_json":
            result.update(task="transcribe", language="english", duration=1.0, segments=[])
        return web.json_response(result)

    def _transcribe(self, upload: object) -> str:
        """`transcript`, or what `transcriber` says was spoken in the uploaded audio's span
        of wall-clock time (the upload ends now)."""
        if self.transcriber is None:
            return self.transcript
        seconds = 0.0
        with (
            contextlib.suppress(Exception),
            wave.open(io.BytesIO(upload.file.read())) as w,  # type: ignore[attr-defined]
        ):
            seconds = w.getnframes() / w.getframerate()
        end = time.time()
        return self.transcriber(end - seconds, end, True)

    async def _speech(self, request: web.Request) -> web.Response:
        body: dict = await request.json()
        if denied := self._unauthorized(request):
            return denied
        self.speech_requests.append(body)
        words = len(str(body.get("input", "")).split())
        pcm = _tone(max(0.2, 0.06 * words))
        if body.get("response_format") == "pcm":
            return web.Response(body=pcm, content_type="audio/pcm")
        # mp3/opus/aac/flac are not encoded here: WAV is sent and declared as such.
        return web.Response(body=_wav(pcm), content_type="audio/wav")
