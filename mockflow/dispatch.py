"""Scale-out dispatch: the app asks LiveKit to send an interview to a MockFlow worker.

The contract between the app and `python agent_entry.py worker` is the job metadata: the
launch spec (contract 1) without a single secret. Provider keys and the LiveKit
credentials come from the worker's own environment, so a key never travels through
LiveKit. `job_metadata` builds it on the app side; `spec_from_job` rebuilds a launch spec
on the worker side.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiohttp
from livekit import api

from mockflow.config import EnvKeys
from mockflow.errors import ConfigError, ProviderError
from mockflow.spec import LaunchSpec, parse_launch_spec

AGENT_NAME = "mockflow-interviewer"
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
    raw = json.loads(metadata or "{}")
    providers = raw.get("providers") or {}
    llm = {**(providers.get("llm") or {}), "api_key": keys.openai_api_key or ""}
    if keys.openai_base_url and not llm.get("base_url"):
        llm["base_url"] = keys.openai_base_url
    stt = dict(providers.get("stt") or {"provider": "deepgram"})
    stt["api_key"] = keys.deepgram_api_key if stt.get("provider") == "deepgram" else None
    tts = dict(providers.get("tts") or {})
    raw.update(
        transport="room",
        session_dir=str(sessions_dir / str(raw.get("session_id", ""))),
        providers={"llm": llm, "stt": stt, "tts": tts},
        livekit={"url": keys.livekit_url, "room": room, "token": "(worker)"},
    )
    return parse_launch_spec(json.dumps(raw))


async def dispatch_interview(
    url: str, api_key: str, api_secret: str, *, room: str, spec: Mapping[str, Any]
) -> str:
    """Create the explicit dispatch of one interview to a worker; return the dispatch id."""
    where = urlparse(url).netloc or url
    request = api.CreateAgentDispatchRequest(
        agent_name=AGENT_NAME, room=room, metadata=job_metadata(spec)
    )
    try:
        async with api.LiveKitAPI(url, api_key, api_secret) as livekit:
            dispatch = await livekit.agent_dispatch.create_dispatch(request)
    except api.ServerError as exc:
        if exc.status in (401, 403):
            reason = f"rejected the API key or secret ({exc.status}). Check them in Settings."
        else:
            reason = f"refused to dispatch the interview ({exc.status} {exc.code})."
        raise ProviderError(f"The LiveKit server at {where}", reason) from None
    except (aiohttp.ClientError, TimeoutError):
        raise ProviderError(f"The LiveKit server at {where}", "could not be reached.") from None
    return dispatch.id
