"""Pinned clients (httpx for the openai SDK, aiohttp for key checks and LiveKit's API):
they connect to the vetted address under the URL's own name, and nowhere else."""

from __future__ import annotations

import aiohttp
import httpx
import pytest
from aiohttp import web
from livekit import rtc

from mockflow.agent.providers import PinnedClients, build_stt, build_tts, pinned_client
from mockflow.contracts.launch_spec import LLMProvider, STTProvider, TTSProvider
from mockflow.net.pinning import Pin, pinned_httpx_client, pinned_session
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.provider_apis import FakeOpenAIModels, serve, serve_at

pytestmark = pytest.mark.integration
NAME = "llm.rebind.test"  # in no DNS: only a pinned client can reach it


def echo_host_app(hits: list[str], redirect_to: str | None = None) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        hits.append(request.host)
        if redirect_to:
            raise web.HTTPFound(redirect_to)
        return web.json_response({"host": request.host})

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    return app


def _port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


async def test_httpx_connects_to_the_pinned_address_and_keeps_the_host_name():
    vetted, other = [], []
    async with (
        serve(echo_host_app(vetted)) as base,
        serve_at("127.0.0.2", _port(base), echo_host_app(other)),
    ):
        pin = Pin(NAME, _port(base), "127.0.0.1")
        async with pinned_httpx_client(pin, httpx.Timeout(5.0)) as client:
            reply = await client.get(f"http://{NAME}:{pin.port}/v1/models")
    assert reply.json() == {"host": f"{NAME}:{pin.port}"}
    assert vetted == [f"{NAME}:{pin.port}"] and other == []


async def test_httpx_refuses_any_other_host_or_port():
    async with serve(echo_host_app([])) as base:
        pin = Pin(NAME, _port(base), "127.0.0.1")
        async with pinned_httpx_client(pin, httpx.Timeout(5.0)) as client:
            for url in (f"{base}/", f"http://{NAME}:{pin.port + 1}/", "http://127.0.0.2/"):
                with pytest.raises(httpx.ConnectError):
                    await client.get(url)


async def test_a_redirect_off_the_pin_is_not_followed():
    landed = []
    async with serve(echo_host_app(landed)) as target:
        first = []
        async with serve(echo_host_app(first, redirect_to=f"{target}/latest")) as base:
            pin = Pin(NAME, _port(base), "127.0.0.1")
            timeout = aiohttp.ClientTimeout(total=5)
            async with pinned_session(pin, timeout) as session:
                with pytest.raises(aiohttp.ClientConnectionError):
                    await session.get(f"http://{NAME}:{pin.port}/", allow_redirects=True)
            async with pinned_httpx_client(pin, httpx.Timeout(5.0)) as client:
                reply = await client.get(f"http://{NAME}:{pin.port}/")
    assert reply.status_code == 302
    assert len(first) == 2 and landed == []


async def test_aiohttp_resolves_the_pinned_name_to_the_pinned_address_only():
    vetted, other = [], []
    async with (
        serve(echo_host_app(vetted)) as base,
        serve_at("127.0.0.2", _port(base), echo_host_app(other)),
    ):
        pin = Pin(NAME, _port(base), "127.0.0.1")
        async with pinned_session(pin, aiohttp.ClientTimeout(total=5)) as session:
            async with session.get(f"http://{NAME}:{pin.port}/x") as reply:
                assert (await reply.json()) == {"host": f"{NAME}:{pin.port}"}
            with pytest.raises(aiohttp.ClientConnectionError):
                await session.get(f"http://other.test:{pin.port}/")
    assert vetted == [f"{NAME}:{pin.port}"] and other == []


async def test_the_agent_s_openai_client_goes_through_the_pin():
    fake = FakeOpenAIModels()
    async with serve(fake.app()) as base:
        url = f"http://{NAME}:{_port(base)}/v1"
        client = pinned_client(url, "127.0.0.1", fake.api_key, httpx.Timeout(5.0))
        assert client is not None
        try:
            models = await client.models.list()
        finally:
            await client.close()
    assert [m.id for m in models.data][:1] == ["gpt-4o-mini"]
    assert pinned_client(url, None, "k", httpx.Timeout(5.0)) is None


async def test_the_agent_s_speech_plugins_go_through_the_pin():
    server = FakeOpenAI(host="127.0.0.2", transcript="I led the payments migration")
    server.start_in_thread()
    try:
        port = server.base_url.rsplit(":", 1)[1].split("/", 1)[0]
        url = f"http://localhost:{port}/v1"  # localhost is 127.0.0.1: only the pin leads here
        llm = LLMProvider(api_key="sk-test", base_url=url, pinned_address="127.0.0.2")
        clients = PinnedClients()
        stt = build_stt(
            STTProvider(provider="openai", base_url=url, pinned_address="127.0.0.2"),
            llm,
            http_session=None,  # type: ignore[arg-type]  # only Deepgram uses it
            clients=clients,
        )
        tts = build_tts(TTSProvider(base_url=url, pinned_address="127.0.0.2"), llm, clients)
        frame = rtc.AudioFrame(b"\x00\x10" * 16000, 16000, 1, 16000)
        heard = await stt.recognize(frame)
        spoken = [audio.frame async for audio in tts.synthesize("Hello Ana.")]
        await tts.aclose()
        await stt.aclose()
        await clients.aclose()
    finally:
        server.stop_thread()
    assert heard.alternatives[0].text == "I led the payments migration"
    assert spoken and server.speech_requests
