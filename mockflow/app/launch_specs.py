"""The launch spec the app hands a runner (Contract 1, `mockflow.contracts.launch_spec`),
built in this one place from a session record, its set-up, its stage limits, the user's
keys and, for a coach's practice link, the link's questions and its hold on the time;
for voice, with the room and this browser's token. The runner validates it against the
contract's model before any process sees it (`launch.local.startup.prepare_spec`)."""

from __future__ import annotations

from typing import Any

from mockflow.app.local_providers import (
    LOCAL_API_KEY,
    LOCAL_STT_MODEL,
    LOCAL_TTS_MODEL,
    LOCAL_VOICE,
    LocalProviders,
)
from mockflow.app.practice import within_seconds
from mockflow.app.setup import InterviewSetup
from mockflow.contracts.launch_spec import TimeBudget
from mockflow.launch.livekit.tokens import issue_interview_room
from mockflow.store.db import SessionRecord
from mockflow.store.practice_links import PracticeLink
from mockflow.store.vault import ProviderKeys


def launch_spec(
    record: SessionRecord,
    setup: InterviewSetup,
    keys: ProviderKeys,
    livekit: tuple[str, str, str] | None = None,
    *,
    stage_limits: dict[str, float],
    practice: PracticeLink | None = None,
    budget: TimeBudget | None = None,
    pinned_address: str | None = None,
    by_workers: bool = False,
    deepgram_url: str | None = None,
    local: LocalProviders | None = None,
    llm_timeout: float | None = None,
) -> tuple[dict[str, Any], dict[str, str] | None]:
    """The launch spec and, for voice, this browser's room details. A voice interview that
    workers serve carries none of the user's provider settings: workers use their own.
    With `pinned_address`, every provider on the user's base URL connects there only.
    Roles given to the app's `local` models use their loopback endpoints. A practice
    link's interview runs under its `budget` (`practice.time_budget`)."""
    local = local or LocalProviders()
    spec = _base_spec(record, setup, keys, stage_limits, practice, budget)
    if local.llm is not None:
        spec["providers"]["llm"] = {
            "api_key": LOCAL_API_KEY,
            "base_url": local.llm.base_url,
            "model": local.llm.model,
            "tool_calls": False,  # small local models write tool calls as text
        }
    if llm_timeout is not None:
        spec["providers"]["llm"]["timeout"] = llm_timeout
    browser = None
    if setup.mode == "voice":
        assert livekit is not None
        browser = _add_voice(spec, setup, keys, livekit, by_workers, deepgram_url)
        if local.speech is not None and not by_workers:
            _local_speech(spec, keys, local.speech.base_url)
    if pinned_address is not None:
        pin_providers(spec, keys.openai_base_url, pinned_address)
    return spec, browser


def _base_spec(
    record: SessionRecord,
    setup: InterviewSetup,
    keys: ProviderKeys,
    stage_limits: dict[str, float],
    practice: PracticeLink | None,
    budget: TimeBudget | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "session_id": record.id,
        "session_dir": record.session_dir,
        "transport": "room" if setup.mode == "voice" else "text",
        "candidate": {"name": setup.name.strip(), "role": setup.role.strip(), "level": setup.level},
        "track": setup.track,
        "resume_text": setup.resume_text,
        "job_description": setup.job_description,
        "providers": {
            "llm": {
                "api_key": keys.openai_api_key or "no-key",
                "base_url": keys.openai_base_url,
                "model": keys.openai_model or "gpt-4o-mini",
            }
        },
        "turn_taking": {"patience": setup.patience},
        "stage_overrides": stage_limits,
    }
    if practice is not None:
        spec["coach"] = {"questions": practice.questions, "focus_notes": practice.focus_notes}
        seconds = budget.seconds if budget is not None else None
        spec["stage_overrides"] = within_seconds(stage_limits, seconds)
    if budget is not None:
        spec["time_budget"] = budget.model_dump()
    return spec


def _add_voice(
    spec: dict[str, Any],
    setup: InterviewSetup,
    keys: ProviderKeys,
    livekit: tuple[str, str, str],
    by_workers: bool,
    deepgram_url: str | None,
) -> dict[str, str]:
    url, api_key, api_secret = livekit
    room = issue_interview_room(url, api_key, api_secret, candidate_name=setup.name)
    spec["livekit"] = {"url": room.url, "room": room.room, "token": room.agent_token}
    browser = {"url": room.url, "token": room.candidate_token}
    if by_workers:
        spec["providers"] = {
            "llm": {"api_key": "(worker)"},
            "tts": {"voice": keys.tts_voice or "alloy"},
        }
        return browser
    # for the runner alone (it deletes the room at the end), never passed to the agent
    spec["livekit"]["admin"] = {"api_key": api_key, "api_secret": api_secret}
    stt_provider = keys.stt_provider or "deepgram"
    spec["providers"]["stt"] = {
        "provider": stt_provider,
        "api_key": keys.deepgram_api_key if stt_provider == "deepgram" else keys.openai_api_key,
        "base_url": deepgram_url if stt_provider == "deepgram" else keys.openai_base_url,
    }
    spec["providers"]["tts"] = {
        "provider": "openai",
        "api_key": keys.openai_api_key,
        "base_url": keys.openai_base_url,
        "voice": keys.tts_voice or "alloy",
    }
    return browser


def _local_speech(spec: dict[str, Any], keys: ProviderKeys, base_url: str) -> None:
    """The speech roles the user gave to the app's local speech server."""
    providers = spec["providers"]
    if keys.local_stt:
        providers["stt"] = {
            "provider": "openai",
            "api_key": LOCAL_API_KEY,
            "base_url": base_url,
            "model": LOCAL_STT_MODEL,
        }
    if keys.local_tts:
        providers["tts"] = {
            "provider": "openai",
            "api_key": LOCAL_API_KEY,
            "base_url": base_url,
            "model": LOCAL_TTS_MODEL,
            "voice": LOCAL_VOICE,
        }


def pin_providers(spec: dict[str, Any], base_url: str | None, address: str) -> None:
    """Every provider of the spec that uses `base_url` connects to `address` only."""
    for config in spec["providers"].values():
        if base_url and config.get("base_url") == base_url:
            config["pinned_address"] = address
