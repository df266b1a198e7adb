"""The one seam for model providers: builds LLM/STT/TTS plugins from the launch spec,
and turns their failures into plain words that name the provider and carry no key."""

from __future__ import annotations

from urllib.parse import urlparse

import httpx
from livekit.agents import APIConnectionError, APIConnectOptions, APIStatusError, APITimeoutError
from livekit.agents.voice.agent_session import SessionConnectOptions
from livekit.plugins import openai as lk_openai

from mockflow.spec import LLMProvider


def build_llm(config: LLMProvider) -> lk_openai.LLM:
    return lk_openai.LLM(
        model=config.model,
        api_key=config.api_key,
        base_url=config.base_url or None,
        temperature=config.temperature,
        max_retries=0,
        timeout=httpx.Timeout(connect=5.0, read=config.timeout, write=5.0, pool=5.0),
    )


def connect_options(config: LLMProvider) -> SessionConnectOptions:
    """One retry for transient failures; worst case stays inside the 15 s failure budget."""
    llm = APIConnectOptions(max_retry=1, retry_interval=0.5, timeout=config.timeout)
    return SessionConnectOptions(llm_conn_options=llm)


def describe_failure(provider: str, error: BaseException, base_url: str | None = None) -> str:
    """A one-line, key-free explanation of a provider failure for the candidate."""
    where = f" at {urlparse(base_url).netloc}" if base_url else ""
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
