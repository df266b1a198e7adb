"""The provider seam: a pinned endpoint's clients belong to the interview and are all
closed with it; a failure reads in plain words, names the provider and carries no key."""

from __future__ import annotations

import asyncio

import pytest
from livekit.agents import APIStatusError, APITimeoutError

from mockflow.agent.providers import (
    REPLY_MAX_TOKENS,
    PinnedClients,
    build_llm,
    build_tts,
    connect_options,
    describe_failure,
    first_token_within,
)
from mockflow.contracts.launch_spec import LLMProvider, TTSProvider

URL = "https://models.example.test/v1"


async def test_every_pinned_client_of_an_interview_is_closed_with_it() -> None:
    clients = PinnedClients()
    llm_config = LLMProvider(api_key="sk-secret-1", base_url=URL, pinned_address="192.0.2.7")
    llm = build_llm(llm_config, clients)
    tts = build_tts(TTSProvider(base_url=URL, pinned_address="192.0.2.7"), llm_config, clients)
    made = list(clients._clients)
    assert len(made) == 2 and not any(client.is_closed() for client in made)
    await llm.aclose()
    await tts.aclose()
    await clients.aclose()
    assert all(client.is_closed() for client in made)


async def test_an_unpinned_endpoint_gets_the_plugins_own_client() -> None:
    clients = PinnedClients()
    llm = build_llm(LLMProvider(api_key="sk-secret-1", base_url=URL), clients)
    assert clients._clients == []
    await llm.aclose()


def test_a_refused_key_is_told_without_the_key() -> None:
    error = APIStatusError("invalid key sk-secret-1", status_code=401)
    words = describe_failure("OpenAI", error, URL)
    assert words == "OpenAI rejected the API key (401). Check the key in Settings."


async def test_a_reply_with_no_first_token_within_the_timeout_times_out() -> None:
    # a server that keeps the stream alive without a token (pings) never trips a read
    # timeout: the first-token deadline does
    alive_forever = asyncio.Event()
    with pytest.raises(APITimeoutError):
        await first_token_within(alive_forever.wait(), lambda: False, timeout=0.05, poll=0.01)
    # once the first token is out, the reply may take as long as it needs
    started = asyncio.Event()

    async def slow_reply() -> None:
        started.set()
        await asyncio.sleep(0.1)

    await first_token_within(slow_reply(), started.is_set, timeout=0.05, poll=0.01)


def test_the_session_leaves_ending_an_interview_to_the_controller() -> None:
    options = connect_options(LLMProvider(api_key="k", timeout=90.0))
    assert options.llm_conn_options.timeout == 90.0 and options.llm_conn_options.max_retry == 1
    assert options.max_unrecoverable_errors > 1000


def test_a_reply_is_capped_so_a_runaway_model_cannot_fill_its_context() -> None:
    """llama.cpp refuses every later turn once a reply has filled its context window."""
    local = build_llm(
        LLMProvider(api_key="x", base_url="http://127.0.0.1:8123/v1"), PinnedClients()
    )
    assert local._opts.extra_body == {"max_tokens": REPLY_MAX_TOKENS}
    remote = build_llm(LLMProvider(api_key="sk-1"), PinnedClients())
    assert remote._opts.max_completion_tokens == REPLY_MAX_TOKENS
