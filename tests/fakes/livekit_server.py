"""A local LiveKit server API for tests: the Twirp endpoints that dispatch mode calls.

It speaks the real protocol, so the real `livekit.api.LiveKitAPI` client must get
everything right to be answered: `POST /twirp/livekit.<Service>/<Method>` with a protobuf
body, a Bearer JWT checked with livekit-api's own `TokenVerifier` and the grants the
real server requires, and Twirp JSON errors (`{"code", "msg"}`) with Twirp's HTTP status.

- `AgentDispatchService/CreateDispatch` (room_admin on the room): recorded in
  `dispatches` with the token's claims; the room now exists; answers an `AgentDispatch`.
- `RoomService/SendData` (room_admin on the room): recorded in `sent`; 404 `not_found`
  for a room that does not exist.
- `RoomService/DeleteRoom` (room_create): recorded in `deleted`; 404 for an unknown room.

`on_dispatch(request)` and `on_data(request)` run on the server's loop once a request is
accepted (a test's fake worker reacts there); `fail["SendData"] = (503, "unavailable")`
makes a method fail. Use `async with FakeLiveKitServer() as server` inside a test's loop,
or `with FakeLiveKitServer() as server` to run it on its own loop in a daemon thread.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from livekit import api
from livekit.api.access_token import Claims
from livekit.protocol.agent_dispatch import AgentDispatch, CreateAgentDispatchRequest
from livekit.protocol.room import (
    DeleteRoomRequest,
    DeleteRoomResponse,
    SendDataRequest,
    SendDataResponse,
)

from mockflow.contracts.events import EVENTS_FILE, EventWriter
from tests.fakes.threaded import ThreadedServer

KEY = "APIdevkey"
SECRET = "a-secret-that-is-long-enough-0123456789"
DISPATCH_ID = "AD_fake123"
Hook = Callable[[Any], None]
_Handler = Callable[[Any, Claims], Awaitable[Any]]


class FakeLiveKitServer(ThreadedServer):
    """See the module docstring."""

    def __init__(self, *, api_key: str = KEY, api_secret: str = SECRET) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.dispatches: list[tuple[CreateAgentDispatchRequest, Claims]] = []
        self.sent: list[SendDataRequest] = []
        self.deleted: list[str] = []
        self.rooms: set[str] = set()
        self.unauthenticated = 0
        self.fail: dict[str, tuple[int, str]] = {}
        self.on_dispatch: Hook | None = None
        self.on_data: Hook | None = None
        self.url = ""
        self._runner: web.AppRunner | None = None

    def commands(self) -> list[dict[str, Any]]:
        """The JSON objects sent with SendData, in order."""
        return [json.loads(request.data) for request in self.sent]

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        routes = {
            ("AgentDispatchService", "CreateDispatch"): (CreateAgentDispatchRequest, self._create),
            ("RoomService", "SendData"): (SendDataRequest, self._send_data),
            ("RoomService", "DeleteRoom"): (DeleteRoomRequest, self._delete_room),
        }
        for (service, method), (message, handler) in routes.items():
            endpoint = self._endpoint(method, message, handler)
            app.router.add_post(f"/twirp/livekit.{service}/{method}", endpoint)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        await web.SockSite(self._runner, sock).start()

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- Twirp -----------------------------------------------------------------------------

    def _endpoint(self, method: str, message: Any, handler: _Handler) -> Callable:
        async def serve(request: web.Request) -> web.Response:
            claims = self._verify(request.headers.get("Authorization", ""))
            if claims is None:
                self.unauthenticated += 1
                return twirp_error(401, "unauthenticated", "invalid authorization token")
            if request.content_type != "application/protobuf":
                return twirp_error(415, "bad_route", "unsupported content type")
            if method in self.fail:
                return twirp_error(*self.fail[method], "simulated failure")
            body = message.FromString(await request.read())
            reply = await handler(body, claims)
            if isinstance(reply, web.Response):
                return reply
            return web.Response(body=reply.SerializeToString(), content_type="application/protobuf")

        return serve

    def _verify(self, header: str) -> Claims | None:
        return verify_bearer(header, self.api_key, self.api_secret)

    async def _create(self, body: CreateAgentDispatchRequest, claims: Claims) -> Any:
        if not (claims.video.room_admin and claims.video.room == body.room):
            return twirp_error(403, "permission_denied", "permissions denied")
        self.dispatches.append((body, claims))
        self.rooms.add(body.room)
        if self.on_dispatch is not None:
            self.on_dispatch(body)
        return AgentDispatch(
            id=DISPATCH_ID, agent_name=body.agent_name, room=body.room, metadata=body.metadata
        )

    async def _send_data(self, body: SendDataRequest, claims: Claims) -> Any:
        if not (claims.video.room_admin and claims.video.room == body.room):
            return twirp_error(403, "permission_denied", "permissions denied")
        if body.room not in self.rooms:
            return twirp_error(404, "not_found", "requested room does not exist")
        self.sent.append(body)
        if self.on_data is not None:
            self.on_data(body)
        return SendDataResponse()

    async def _delete_room(self, body: DeleteRoomRequest, claims: Claims) -> Any:
        if not claims.video.room_create:
            return twirp_error(403, "permission_denied", "permissions denied")
        self.deleted.append(body.room)
        if body.room not in self.rooms:
            return twirp_error(404, "not_found", "requested room does not exist")
        self.rooms.discard(body.room)
        return DeleteRoomResponse()


def verify_bearer(header: str, api_key: str, api_secret: str) -> Claims | None:
    """The claims of a valid `Authorization: Bearer <JWT>`, else None (a 401)."""
    scheme, _, token = header.partition(" ")
    if scheme != "Bearer" or not token:
        return None
    try:
        return api.TokenVerifier(api_key, api_secret).verify(token)
    except Exception:  # any invalid JWT (signature, issuer, expiry, shape) is a 401
        return None


def twirp_error(status: int, code: str, msg: str) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=status)


class FakeWorker:
    """Answers dispatches and commands the way `python agent_entry.py worker` does."""

    def __init__(self, sessions_dir: Path, *, ready: bool = True, obeys_end: bool = True):
        self.sessions_dir = sessions_dir
        self.ready = ready
        self.obeys_end = obeys_end
        self.give_up_with: str | None = None
        self.writers: dict[str, EventWriter] = {}

    def on_dispatch(self, request: Any) -> None:
        session_id = json.loads(request.metadata)["session_id"]
        writer = EventWriter(self.sessions_dir / session_id / EVENTS_FILE)
        self.writers[request.room] = writer
        if self.give_up_with is not None:
            writer.write("error", message=self.give_up_with, fatal=True)
            writer.write("ended", reason="error")
        elif self.ready:
            writer.write("ready")

    def on_data(self, request: Any) -> None:
        command = json.loads(request.data)
        if command["type"] == "end" and self.obeys_end:
            self.writers[request.room].write("ended", reason=command["reason"])

    def write(self, type: str, *, room: str | None = None, **fields: Any) -> None:
        """Append an event to the timeline of `room` (default: the last job taken)."""
        writer = self.writers[room] if room else list(self.writers.values())[-1]
        writer.write(type, **fields)
