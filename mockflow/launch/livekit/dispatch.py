"""Scale-out dispatch: the app asks LiveKit to send an interview to a MockFlow worker.

The contract between the app and `python agent_entry.py worker` is the job metadata: the
launch spec (contract 1) without a single secret. Provider keys and the LiveKit
credentials come from the worker's own environment, so a key never travels through
LiveKit. `job_metadata` builds it on the app side; `spec_from_job` rebuilds a launch spec
on the worker side. Commands (contract 2) reach the worker as server-sent data packets
on `COMMAND_TOPIC`. While a job runs, the worker rewrites `HEARTBEAT_FILE` in the session
folder with a new counter every `HEARTBEAT_SECONDS`: a worker that dies without writing
`ended` stops it, and the app needs no clock shared with the worker to notice.

`LiveKitRooms` holds the LiveKit server API calls of this mode (create the dispatch, send
a command, delete the room) and turns their failures into `LiveKitError`s a candidate can
read, with no key, token or server text in them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiohttp
from livekit import api

from mockflow.config import DEFAULT_WORKER_NAME, EnvKeys
from mockflow.contracts.ids import is_session_id
from mockflow.contracts.launch_spec import LaunchSpec, parse_launch_spec
from mockflow.errors import ConfigError, ProviderError
from mockflow.private_files import write_private

COMMAND_TOPIC = "mockflow.command"
HEARTBEAT_FILE = "worker.heartbeat"  # the job rewrites it every HEARTBEAT_SECONDS
HEARTBEAT_SECONDS = 1.0
REQUEST_SECONDS = 10.0
_SECRET_FIELDS = ("api_key",)


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


def job_metadata(spec: Mapping[str, Any]) -> str:
    """The launch spec as job metadata: no keys, no token, no local paths."""
    providers = {
        name: {k: v for k, v in (config or {}).items() if k not in _SECRET_FIELDS}
        for name, config in (spec.get("providers") or {}).items()
    }
    safe = {k: v for k, v in spec.items() if k not in {"providers", "livekit", "session_dir"}}
    return json.dumps({**safe, "providers": providers}, ensure_ascii=False)


def spec_from_job(metadata: str, *, room: str, keys: EnvKeys, sessions_dir: Path) -> LaunchSpec:
    """The worker's launch spec for one job: the metadata plus keys from the worker's env."""
    if not (keys.livekit_url and keys.livekit_api_key and keys.livekit_api_secret):
        raise ConfigError("the worker needs LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET")
    if not keys.openai_api_key:
        raise ConfigError("the worker needs OPENAI_API_KEY in its environment")
    raw = json.loads(metadata or "{}")
    providers = raw.get("providers") or {}
    llm = {**(providers.get("llm") or {}), "api_key": keys.openai_api_key or ""}
    if keys.openai_base_url and not llm.get("base_url"):
        llm["base_url"] = keys.openai_base_url
    # the worker's own keys decide the speech-to-text provider unless the app chose one
    default_stt = "deepgram" if keys.deepgram_api_key else "openai"
    stt = dict(providers.get("stt") or {"provider": default_stt})
    by_deepgram = stt.get("provider") == "deepgram"
    stt["api_key"] = keys.deepgram_api_key if by_deepgram else None
    if by_deepgram and keys.deepgram_base_url:
        stt["base_url"] = keys.deepgram_base_url
    tts = dict(providers.get("tts") or {})
    raw.update(
        transport="room",
        session_dir=str(sessions_dir / str(raw.get("session_id", ""))),
        providers={"llm": llm, "stt": stt, "tts": tts},
        livekit={"url": keys.livekit_url, "room": room, "token": "(worker)"},
    )
    return parse_launch_spec(json.dumps(raw))


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


def session_id_of(metadata: str) -> str | None:
    """The session id that job metadata names, if it is a well-formed one."""
    try:
        raw = json.loads(metadata or "{}")
    except ValueError:
        return None
    session_id = raw.get("session_id") if isinstance(raw, dict) else None
    return session_id if isinstance(session_id, str) and is_session_id(session_id) else None


async def dispatch_interview(
    url: str, api_key: str, api_secret: str, *, room: str, spec: Mapping[str, Any]
) -> str:
    """Create the explicit dispatch of one interview to a worker; return the dispatch id."""
    rooms = LiveKitRooms(LiveKitCredentials(url, api_key, api_secret))
    try:
        return await rooms.dispatch(room, spec)
    finally:
        await rooms.aclose()


async def beat(path: Path, every: float = HEARTBEAT_SECONDS) -> None:
    """Rewrite `path` with a new counter every `every` seconds until cancelled."""
    count = 0
    while True:
        count += 1
        with contextlib.suppress(OSError):
            write_private(path, str(count))
        await asyncio.sleep(every)


def read_beat(path: Path) -> str | None:
    try:
        return path.read_text("ascii")
    except OSError:
        return None
