"""Loopback fakes of the provider APIs the key checks call, speaking the real protocols.

- `FakeDeepgram`: `GET /v1/projects` with `Authorization: Token <key>`; 401 with Deepgram's
  error body for a wrong key, 402 when out of credit.
- `FakeLiveKit`: the Twirp `POST /twirp/livekit.RoomService/ListRooms` endpoint, protobuf in
  and out; the Bearer JWT is checked with livekit-api's own `TokenVerifier`, so the real
  `livekit.api.LiveKitAPI` client must sign correctly to get an answer.
- `FakeOpenAIModels`: `GET /v1/models` with a Bearer key; 429 `insufficient_quota` when out
  of credit. (The full chat server is `tests/fakes/openai_server.py`.)

Each fake counts `hits` and can hold its answer: `delay` seconds (to test timeouts), or
until every fake sharing one `gate` (an `asyncio.Barrier`) has a request in flight, which
proves requests run concurrently without measuring time.
Serve with `async with serve(fake.app()) as base_url:` inside the test's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web
from livekit import api
from livekit.protocol import models as lk_models
from livekit.protocol import room as lk_room

from tests.fakes.livekit_server import twirp_error, verify_bearer


@contextlib.asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Run `app` on 127.0.0.1 at a free port; yields `http://127.0.0.1:<port>`."""
    async with serve_at("127.0.0.1", 0, app) as base_url:
        yield base_url


@contextlib.asynccontextmanager
async def serve_at(host: str, port: int, app: web.Application) -> AsyncIterator[str]:
    """Run `app` on a loopback `host` (any of 127.0.0.0/8) and `port` (0: a free one)."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


def closed_port_url(scheme: str = "http") -> str:
    """A loopback URL nobody listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"{scheme}://127.0.0.1:{port}"


@dataclass
class _Fake:
    delay: float = 0.0
    hits: int = 0
    gate: asyncio.Barrier | None = None

    async def _arrive(self) -> None:
        self.hits += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.delay:
            await asyncio.sleep(self.delay)


@dataclass
class FakeDeepgram(_Fake):
    api_key: str = "dg-test-key-0000000000000000000000000000"
    out_of_credit: bool = False

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v1/projects", self._projects)
        return app

    async def _projects(self, request: web.Request) -> web.Response:
        await self._arrive()
        if request.headers.get("Authorization") != f"Token {self.api_key}":
            return web.json_response(
                {"err_code": "INVALID_AUTH", "err_msg": "Invalid credentials."}, status=401
            )
        if self.out_of_credit:
            return web.json_response(
                {"err_code": "PAYMENT_REQUIRED", "err_msg": "Insufficient credits."}, status=402
            )
        project = {"project_id": "3f1c0b6e-0000-4000-8000-000000000001", "name": "MockFlow"}
        return web.json_response({"projects": [project]})


@dataclass
class FakeOpenAIModels(_Fake):
    api_key: str = "sk-test-models-key-00000000000000"
    models: tuple[str, ...] = ("gpt-4o-mini", "whisper-1", "tts-1")
    out_of_credit: bool = False

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v1/models", self._models)
        return app

    async def _models(self, request: web.Request) -> web.Response:
        await self._arrive()
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _openai_error(401, "Incorrect API key provided.", "invalid_api_key")
        if self.out_of_credit:
            return _openai_error(429, "You exceeded your current quota.", "insufficient_quota")
        data = [
            {"id": m, "object": "model", "created": 0, "owned_by": "system"} for m in self.models
        ]
        return web.json_response({"object": "list", "data": data})


def _openai_error(status: int, message: str, code: str) -> web.Response:
    body = {"error": {"message": message, "type": "invalid_request_error", "code": code}}
    return web.json_response(body, status=status)


@dataclass
class FakeLiveKit(_Fake):
    api_key: str = "APIfakeLiveKit01"
    api_secret: str = "fake-livekit-secret-0123456789abcdef0123456789"
    rooms: list[str] = field(default_factory=lambda: ["mf-existing"])

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/twirp/livekit.RoomService/ListRooms", self._list_rooms)
        return app

    async def _list_rooms(self, request: web.Request) -> web.Response:
        await self._arrive()
        claims = self._verify(request.headers.get("Authorization", ""))
        if claims is None:
            return twirp_error(401, "unauthenticated", "invalid authorization token")
        if not (claims.video and claims.video.room_list):
            return twirp_error(403, "permission_denied", "permissions denied")
        if request.content_type != "application/protobuf":
            return twirp_error(415, "bad_route", "unsupported content type")
        query = lk_room.ListRoomsRequest.FromString(await request.read())
        names = [r for r in self.rooms if not query.names or r in query.names]
        reply = lk_room.ListRoomsResponse(rooms=[lk_models.Room(name=n) for n in names])
        return web.Response(body=reply.SerializeToString(), content_type="application/protobuf")

    def _verify(self, header: str) -> api.access_token.Claims | None:
        return verify_bearer(header, self.api_key, self.api_secret)
