"""The job contract of scale-out mode: what the app sends a MockFlow worker through LiveKit.

The job metadata is the launch spec (contract 1) without a single secret: provider keys and
the LiveKit credentials come from the worker's own environment, so a key never travels
through LiveKit. `job_metadata` builds it on the app side; `spec_from_job` rebuilds a launch
spec on the worker side. Commands (contract 2) reach the worker as server-sent data packets
on `COMMAND_TOPIC`. While a job runs, the worker sends a beat every `HEARTBEAT_SECONDS`
over the room and the app's timeline listener rewrites `HEARTBEAT_FILE` in the app's session
folder with its counter: a worker that dies without sending `ended` stops it, and the app
needs no clock shared with the worker to notice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mockflow.config import EnvKeys
from mockflow.contracts.ids import is_session_id
from mockflow.contracts.launch_spec import LaunchSpec, parse_launch_spec
from mockflow.errors import ConfigError
from mockflow.private_files import write_private

COMMAND_TOPIC = "mockflow.command"
HEARTBEAT_FILE = "worker.heartbeat"  # the job rewrites it every HEARTBEAT_SECONDS
HEARTBEAT_SECONDS = 1.0
_SECRET_FIELDS = ("api_key",)


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


def session_id_of(metadata: str) -> str | None:
    """The session id that job metadata names, if it is a well-formed one."""
    try:
        raw = json.loads(metadata or "{}")
    except ValueError:
        return None
    session_id = raw.get("session_id") if isinstance(raw, dict) else None
    return session_id if isinstance(session_id, str) and is_session_id(session_id) else None


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
