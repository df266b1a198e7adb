"""Scale-out dispatch: the app asks LiveKit to send an interview to a MockFlow worker.

The job contract itself (metadata, command topic, heartbeat) is `mockflow.contracts.job`.

`LiveKitRooms` holds the LiveKit server API calls of this mode (create the dispatch, send
a command, delete the room) and turns their failures into `LiveKitError`s a candidate can
read, with no key, token or server text in them.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import aiohttp
from livekit import api

from mockflow.config import DEFAULT_WORKER_NAME
from mockflow.contracts.job import COMMAND_TOPIC, job_metadata
from mockflow.errors import ProviderError

REQUEST_SECONDS = 10.0


@dataclass(frozen=True)
class LiveKitCredentials:
    """The LiveKit project the workers serve; `repr` hides the secret."""

    url: str
    api_key: str
    api_secret: str = field(repr=False)

    @property
    def where(self) -> str:
        return urlparse(self.url).netloc or self.url


class LiveKitError(ProviderError):
    """A LiveKit server API call failed; `status` is its HTTP status (0: no answer)."""

    def __init__(self, where: str, reason: str, *, status: int = 0) -> None:
        super().__init__(f"The LiveKit server at {where}", reason, retryable=status in (0, 503))
        self.status = status


class LiveKitRooms:
    """The LiveKit server calls of dispatch mode on one `LiveKitAPI` client.

    The client is created on first use, inside the running event loop; use and close an
    instance in that one loop.
    """

    def __init__(
        self,
        credentials: LiveKitCredentials,
        *,
        timeout: float = REQUEST_SECONDS,
        agent_name: str = DEFAULT_WORKER_NAME,
    ):
        self.credentials = credentials
        self.agent_name = agent_name
        self._timeout = timeout
        self._api: api.LiveKitAPI | None = None

    def _client(self) -> api.LiveKitAPI:
        if self._api is None:
            c = self.credentials
            self._api = api.LiveKitAPI(
                c.url, c.api_key, c.api_secret, timeout=aiohttp.ClientTimeout(total=self._timeout)
            )
        return self._api

    async def dispatch(self, room: str, spec: Mapping[str, Any]) -> str:
        """Create the explicit dispatch of one interview to a worker; return its id."""
        request = api.CreateAgentDispatchRequest(
            agent_name=self.agent_name, room=room, metadata=job_metadata(spec)
        )
        with _errors(self.credentials.where, "dispatch the interview"):
            dispatch = await self._client().agent_dispatch.create_dispatch(request)
        return dispatch.id

    async def send_command(self, room: str, command: Mapping[str, Any]) -> None:
        """Send one contract-2 command into the room, from the server (not a participant)."""
        request = api.SendDataRequest(
            room=room,
            data=json.dumps(dict(command), ensure_ascii=False).encode(),
            kind=api.DataPacket.Kind.RELIABLE,
            topic=COMMAND_TOPIC,
        )
        with _errors(self.credentials.where, "pass on the command"):
            await self._client().room.send_data(request)

    async def agent_present(self, room: str) -> bool:
        """Whether an agent participant (the worker's interviewer) is in the room."""
        request = api.ListParticipantsRequest(room=room)
        with _errors(self.credentials.where, "list the room's participants"):
            answer = await self._client().room.list_participants(request)
        return any(p.kind == api.ParticipantInfo.Kind.AGENT for p in answer.participants)

    async def delete_room(self, room: str) -> None:
        """Close the room and disconnect everyone in it; a room already gone is fine."""
        try:
            with _errors(self.credentials.where, "close the interview room"):
                await self._client().room.delete_room(api.DeleteRoomRequest(room=room))
        except LiveKitError as exc:
            if exc.status != 404:
                raise

    async def aclose(self) -> None:
        if self._api is not None:
            await self._api.aclose()
            self._api = None


@contextlib.contextmanager
def _errors(where: str, action: str) -> Iterator[None]:
    """Translate a failed call into a `LiveKitError` that names no key and no server text."""
    try:
        yield
    except api.ServerError as exc:
        if exc.status in (401, 403):
            reason = f"rejected the API key or secret ({exc.status}). Check them in Settings."
        else:
            reason = f"refused to {action} ({exc.status} {exc.code})."
        raise LiveKitError(where, reason, status=exc.status) from None
    except (aiohttp.ClientError, TimeoutError):
        raise LiveKitError(where, "could not be reached.") from None


async def dispatch_interview(
    url: str, api_key: str, api_secret: str, *, room: str, spec: Mapping[str, Any]
) -> str:
    """Create the explicit dispatch of one interview to a worker; return the dispatch id."""
    rooms = LiveKitRooms(LiveKitCredentials(url, api_key, api_secret))
    try:
        return await rooms.dispatch(room, spec)
    finally:
        await rooms.aclose()
