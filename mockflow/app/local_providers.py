"""The roles a user gave to the app's own local models, and the endpoints that serve them.

The language model, speech-to-text and the voice can each be local (Settings: "Local
models — no account"). The servers are the app's (`mockflow.localmodels`), shared by every
interview and started on first use; an interview's launch spec points its providers at
their loopback addresses, with the first-token timeout of a local model. The report's
rubric uses the same local language model.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from mockflow.store.vault import ProviderKeys

LOCAL_API_KEY = "local"  # the local servers take no key; the clients insist on one
LOCAL_STT_MODEL = "whisper-tiny.en"
LOCAL_TTS_MODEL = "tts-1"  # the speech server's name for Piper: the plugin streams raw audio
LOCAL_VOICE = "joe"


class Endpoint(Protocol):
    @property
    def base_url(self) -> str: ...
    @property
    def model(self) -> str: ...


class LocalServers(Protocol):
    """What the app needs of `mockflow.localmodels.LocalModels`."""

    def ensure_llm(self) -> Endpoint: ...
    def ensure_speech(self) -> Endpoint: ...


@dataclass(frozen=True)
class LocalProviders:
    """The local endpoints one interview uses (None: that role is not local)."""

    llm: Endpoint | None = None
    speech: Endpoint | None = None

    @property
    def any(self) -> bool:
        return self.llm is not None or self.speech is not None


def local_roles(keys: ProviderKeys, mode: str) -> tuple[bool, bool]:
    """(language model, speech) of `keys` that are local in `mode`."""
    speech = mode == "voice" and (keys.local_stt or keys.local_tts)
    return keys.local_llm, speech


def start_local(servers: LocalServers, keys: ProviderKeys, mode: str) -> LocalProviders:
    """Start (or find running) the local servers this interview needs; raises the
    servers' own `MockflowError` with a plain reason when one cannot run."""
    llm, speech = local_roles(keys, mode)
    return LocalProviders(
        llm=servers.ensure_llm() if llm else None,
        speech=servers.ensure_speech() if speech else None,
    )


def with_local_llm(keys: ProviderKeys, endpoint: Endpoint) -> ProviderKeys:
    """`keys` whose OpenAI-compatible language model is the local one."""
    return replace(
        keys,
        openai_api_key=LOCAL_API_KEY,
        openai_base_url=endpoint.base_url,
        openai_model=endpoint.model,
    )


def with_local_defaults(keys: ProviderKeys) -> ProviderKeys:
    """A role the user has not configured at all goes to the local models, so a fresh
    install with no account runs an interview; a choice or a key the user gave stands."""
    has_openai = bool(keys.openai_api_key or keys.openai_base_url)
    models = keys.models or ("keys" if has_openai else "local")
    stt = keys.stt_provider or (
        "deepgram" if keys.deepgram_api_key or models != "local" else "local"
    )
    tts = keys.tts_provider or ("openai" if has_openai else "local")
    return replace(keys, models=models, stt_provider=stt, tts_provider=tts)
