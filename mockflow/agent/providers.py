"""The one seam for model providers: builds LLM/STT/TTS/VAD plugins from the launch spec,
and turns their failures into plain words that name the provider and carry no key.

Speech providers: Deepgram (`nova-3` by default, filler words and smart formatting on,
key terms of the interview as keyterm prompts) or any OpenAI-compatible transcription
endpoint; OpenAI-compatible speech for TTS. An OpenAI-compatible STT/TTS without its own key
uses the LLM's key. Deepgram runs on the caller's aiohttp session, which the caller closes
only after every plugin is closed.

An endpoint with a `pinned_address` (a visitor's base URL on a public link, vetted by the
app) gets its own openai client whose connections go to that address only, redirects
not followed (`mockflow.net.pinning`).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import httpx
import openai
from livekit.agents import (
    NOT_GIVEN,
    APIConnectionError,
    APIConnectOptions,
    APIStatusError,
    APITimeoutError,
)
from livekit.agents import stt as lk_stt
from livekit.agents import tts as lk_tts
from livekit.agents import vad as lk_vad
from livekit.agents.voice.agent_session import SessionConnectOptions
from livekit.plugins import deepgram as lk_deepgram
from livekit.plugins import openai as lk_openai

from mockflow.contracts.launch_spec import LLMProvider, STTProvider, TTSProvider
from mockflow.errors import ProviderError
from mockflow.net.pinning import SPEECH_TIMEOUT, Pin, pinned_httpx_client
from mockflow.redaction import display_host

DEEPGRAM_MODEL = "nova-3"
OPENAI_STT_MODEL = "gpt-4o-mini-transcribe"
MAX_KEYTERMS = 20
REPLY_MAX_TOKENS = 250
# raw 24 kHz PCM: the plugin asks for mp3 unless told, and each reply would then wait for
# an mp3 decoder's first frame
TTS_FORMAT = "pcm"


class PinnedClients:
    """The pinned clients of one interview's plugins. A plugin closes only a client it
    made itself, so these are closed here, after the plugins."""

    def __init__(self) -> None:
        self._clients: list[openai.AsyncClient] = []

    def get(
        self, base_url: str | None, address: str | None, api_key: str, timeout: httpx.Timeout
    ) -> openai.AsyncClient | None:
        client = pinned_client(base_url, address, api_key, timeout)
        if client is not None:
            self._clients.append(client)
        return client

    async def aclose(self) -> None:
        clients, self._clients = self._clients, []
        for client in clients:
            await client.close()


class FirstTokenLLM(lk_openai.LLM):
    """The OpenAI plugin with its timeout honoured as the time to the first token.

    The plugin sends `APIConnectOptions.timeout` as the request's httpx timeout, all four
    phases alike: the read timeout then bounds each wait for bytes, not for a token. A
    server that sends its headers at once and keeps the stream alive while the model
    reads the prompt (llama-cpp-python's server pings every 15 s) would never time out,
    so each attempt also waits at most that long for its first piece of reply."""

    def chat(self, *args: Any, **kwargs: Any) -> lk_openai.LLMStream:
        stream = super().chat(*args, **kwargs)
        run, timeout = stream._run, stream._conn_options.timeout

        def started() -> bool:
            return stream._event_ch.output_sent

        # set before the stream's task first runs (it starts on the next loop turn)
        stream._run = lambda: first_token_within(run(), started, timeout)  # type: ignore[method-assign]
        return stream


async def first_token_within(
    run: Awaitable[None], started: Callable[[], bool], timeout: float, poll: float = 0.1
) -> None:
    """Await `run`; raise a retryable `APITimeoutError` if `started()` is not true within
    `timeout` seconds."""
    task = asyncio.ensure_future(run)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while not started():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise APITimeoutError(retryable=True)
            done, _ = await asyncio.wait({task}, timeout=min(poll, remaining))
            if done:
                break
        await task
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def build_llm(config: LLMProvider, clients: PinnedClients) -> lk_openai.LLM:
    timeout = httpx.Timeout(connect=5.0, read=config.timeout, write=5.0, pool=5.0)
    client = clients.get(config.base_url, config.pinned_address, config.api_key, timeout)
    # a turn is one to three sentences: a small model that runs on would otherwise fill
    # its context window (llama.cpp then refuses every later turn); compatible servers
    # (llama.cpp, Ollama, vLLM) read `max_tokens`, OpenAI `max_completion_tokens`
    limit = (
        {"extra_body": {"max_tokens": REPLY_MAX_TOKENS}}
        if config.base_url
        else {"max_completion_tokens": REPLY_MAX_TOKENS}
    )
    if client is not None:
        return FirstTokenLLM(
            model=config.model, temperature=config.temperature, client=client, **limit
        )
    return FirstTokenLLM(
        model=config.model,
        api_key=config.api_key,
        base_url=config.base_url or NOT_GIVEN,
        temperature=config.temperature,
        max_retries=0,
        timeout=timeout,  # type: ignore[arg-type]  # httpx 0.29 Timeout: duck-typed
        **limit,
    )


def pinned_client(
    base_url: str | None, address: str | None, api_key: str, timeout: httpx.Timeout
) -> openai.AsyncClient | None:
    """An openai client for `base_url` that connects to `address` only; None unpinned."""
    if not (base_url and address):
        return None
    http_client = pinned_httpx_client(Pin.for_url(base_url, address), timeout)
    # openai types its client against httpx2; it takes httpx 0.29 objects as they are
    # (tests/integration/test_pinning.py drives a real request through this client)
    return openai.AsyncClient(
        api_key=api_key,
        base_url=base_url,
        max_retries=0,
        timeout=timeout,  # type: ignore[arg-type]
        http_client=http_client,  # type: ignore[arg-type]
    )


def connect_options(config: LLMProvider) -> SessionConnectOptions:
    """A reply that times out (`config.timeout` to its first token) or meets a transient
    error is retried once before any of it is sent. The session never closes itself on
    failures: the controller decides (`slow_turns`)."""
    llm = APIConnectOptions(max_retry=1, retry_interval=0.5, timeout=config.timeout)
    return SessionConnectOptions(llm_conn_options=llm, max_unrecoverable_errors=sys.maxsize)


def describe_failure(provider: str, error: BaseException, base_url: str | None = None) -> str:
    """A one-line, key-free explanation of a provider failure for the candidate."""
    where = f" at {display_host(base_url)}" if base_url else ""
    if isinstance(error, APIStatusError):
        status = error.status_code
        if status in (401, 403):
            return f"{provider} rejected the API key ({status}). Check the key in Settings."
        if status == 404:
            return f"{provider} does not know the requested model or URL (404). Check Settings."
        if status == 429:
            return f"{provider} refused the request: rate limit or quota exhausted (429)."
        if status >= 500:
            return f"{provider}{where} had a server error ({status}). Try again in a minute."
        return f"{provider} refused the request ({status})."
    if isinstance(error, APITimeoutError):
        return f"{provider}{where} did not answer in time."
    if isinstance(error, APIConnectionError):
        return f"{provider}{where} could not be reached."
    return f"{provider} failed unexpectedly ({type(error).__name__})."


def build_stt(
    config: STTProvider,
    llm: LLMProvider,
    *,
    http_session: aiohttp.ClientSession,
    clients: PinnedClients,
    keyterms: Sequence[str] = (),
) -> lk_stt.STT:
    """The speech-to-text plugin; `keyterms` bias recognition towards the interview's words."""
    terms = list(dict.fromkeys([*config.keyterms, *keyterms]))[:MAX_KEYTERMS]
    if config.provider == "deepgram":
        if not config.api_key:
            raise ProviderError("Speech-to-text (Deepgram)", "no API key. Add one in Settings.")
        model = config.model or DEEPGRAM_MODEL
        return lk_deepgram.STT(
            model=model,
            language=config.language,
            api_key=config.api_key,
            base_url=config.base_url or "https://api.deepgram.com/v1/listen",
            http_session=http_session,
            filler_words=True,  # "um"/"uh" feed the filler-word analytics
            smart_format=True,
            punctuate=True,
            interim_results=True,
            keyterm=terms if terms and model.startswith("nova-3") else NOT_GIVEN,
        )
    prompt = f"A job interview. Terms that may come up: {', '.join(terms)}." if terms else None
    api_key = config.api_key or llm.api_key
    client = clients.get(config.base_url, config.pinned_address, api_key, SPEECH_TIMEOUT)
    return lk_openai.STT(
        model=config.model or OPENAI_STT_MODEL,
        language=config.language,
        api_key=api_key,
        base_url=config.base_url or NOT_GIVEN,
        prompt=prompt or NOT_GIVEN,
        client=client,
        # the realtime socket goes through another, unpinned session: pinned means HTTP
        use_realtime=False if client is not None else NOT_GIVEN,
    )


def build_tts(
    config: TTSProvider,
    llm: LLMProvider,
    clients: PinnedClients,
    *,
    response_format: str = TTS_FORMAT,
) -> lk_tts.TTS:
    """OpenAI-compatible speech; raw PCM by default (see `TTS_FORMAT`)."""
    api_key = config.api_key or llm.api_key
    client = clients.get(config.base_url, config.pinned_address, api_key, SPEECH_TIMEOUT)
    return lk_openai.TTS(
        model=config.model,
        voice=config.voice,
        speed=config.speed,
        api_key=api_key,
        base_url=config.base_url or NOT_GIVEN,
        response_format=response_format,
        client=client,
    )


def build_vad(min_silence: float, release: float = 0.35) -> lk_vad.VAD:
    # Imported here: onnxruntime starts a thread on import, and the fork server must
    # have none when it forks (a voice interview pays ~0.1 s for it, after the fork).
    from livekit.plugins import silero

    return silero.VAD.load(
        min_silence_duration=min_silence, activation_threshold=0.5, deactivation_threshold=release
    )


def speech_connect_options(config: LLMProvider) -> SessionConnectOptions:
    """`connect_options` plus bounded STT/TTS retries, so a dead speech provider surfaces."""
    speech = APIConnectOptions(max_retry=2, retry_interval=0.5, timeout=10.0)
    return SessionConnectOptions(
        llm_conn_options=connect_options(config).llm_conn_options,
        stt_conn_options=speech,
        tts_conn_options=speech,
        max_unrecoverable_errors=sys.maxsize,
    )
