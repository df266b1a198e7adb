"""The fake OpenAI server, exercised by the real openai SDK and livekit-plugins-openai."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import openai
import pytest
from livekit import rtc
from livekit.agents import llm
from livekit.plugins import openai as lk_openai

from tests.fakes.openai_server import FakeOpenAI, Reply, error, text, tool


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as s:
        yield s


def client(s: FakeOpenAI, **kwargs: object) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=s.base_url, api_key="x", max_retries=0, **kwargs)


async def test_streams_text_in_several_chunks(server: FakeOpenAI) -> None:
    server.enqueue(text("Tell me about a project you are proud of."))
    async with client(server) as c:
        stream = await c.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = [chunk async for chunk in stream]
    contents = [ch.choices[0].delta.content for ch in chunks if ch.choices]
    assert "".join(c or "" for c in contents) == "Tell me about a project you are proud of."
    assert len([c for c in contents if c]) >= 3
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage and chunks[-1].usage.total_tokens > 0
    assert server.requests[0]["messages"] == [{"role": "user", "content": "hi"}]


async def test_default_reply_and_responder(server: FakeOpenAI) -> None:
    async with client(server) as c:
        first = await c.chat.completions.create(model="gpt-4o-mini", messages=[])
        server.responder = lambda body: text(f"{len(body['messages'])} messages")
        second = await c.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "a"}],
            response_format={"type": "json_object"},
        )
    assert first.choices[0].message.content == "Could you tell me more about that?"
    assert second.choices[0].message.content == "1 messages"


async def test_streamed_tool_calls_arrive_intact(server: FakeOpenAI) -> None:
    args = {"score": 4, "notes": 'clear answer, "quoted" and ünïcode', "tags": ["a", "b"]}
    server.enqueue(Reply(text="Noted.", tool_calls=[("record_score", args), ("next_question", {})]))
    async with client(server) as c:
        stream = await c.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        content, calls, finish = "", {}, None
        async for chunk in stream:
            choice = chunk.choices[0]
            content += choice.delta.content or ""
            finish = choice.finish_reason or finish
            for tc in choice.delta.tool_calls or []:
                entry = calls.setdefault(tc.index, {"id": tc.id, "name": "", "args": []})
                entry["name"] += tc.function.name or ""
                entry["args"].append(tc.function.arguments or "")
    assert content == "Noted."
    assert finish == "tool_calls"
    assert calls[0]["name"] == "record_score" and calls[0]["id"].startswith("call_")
    assert json.loads("".join(calls[0]["args"])) == args
    assert len([a for a in calls[0]["args"] if a]) >= 2
    assert calls[1]["name"] == "next_question"
    assert json.loads("".join(calls[1]["args"])) == {}


async def test_wrong_api_key_is_rejected() -> None:
    async with FakeOpenAI(api_key="right") as s:
        async with openai.AsyncOpenAI(base_url=s.base_url, api_key="wrong", max_retries=0) as c:
            with pytest.raises(openai.AuthenticationError, match="Incorrect API key"):
                await c.chat.completions.create(model="gpt-4o-mini", messages=[])
        async with openai.AsyncOpenAI(base_url=s.base_url, api_key="right", max_retries=0) as c:
            ok = await c.chat.completions.create(model="gpt-4o-mini", messages=[])
    assert ok.choices[0].message.content


async def test_errors_rate_limits_and_fail_all(server: FakeOpenAI) -> None:
    server.enqueue(error(500, "boom"), error(429), text("after retry"))
    async with client(server) as c:
        with pytest.raises(openai.InternalServerError, match="boom"):
            await c.chat.completions.create(model="gpt-4o-mini", messages=[])
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=1) as r:
            retried = await r.chat.completions.create(model="gpt-4o-mini", messages=[])
        assert retried.choices[0].message.content == "after retry"
        server.fail_all = error(503)
        with pytest.raises(openai.APIStatusError) as info:
            await c.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True)
        assert info.value.status_code == 503
        assert info.value.body["type"] == "server_error"  # type: ignore[index]


async def test_delay_beyond_client_timeout(server: FakeOpenAI) -> None:
    server.enqueue(Reply(text="late", delay=2.0), Reply(hang=True))
    async with client(server, timeout=0.3) as c:
        with pytest.raises(openai.APITimeoutError):
            await c.chat.completions.create(model="gpt-4o-mini", messages=[])
        with pytest.raises(openai.APITimeoutError):
            await c.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True)


def test_thread_mode_with_sync_client() -> None:
    with FakeOpenAI() as s:
        s.enqueue(Reply(hang=True))
        c = openai.OpenAI(base_url=s.base_url, api_key="x", max_retries=0, timeout=0.3)
        with pytest.raises(openai.APITimeoutError):
            c.chat.completions.create(model="gpt-4o-mini", messages=[])
        models = [m.id for m in c.models.list()]
        c.close()
    assert "gpt-4o-mini" in models


async def test_livekit_llm_plugin_text_and_tool_call(server: FakeOpenAI) -> None:
    @llm.function_tool
    async def record_score(score: int, notes: str) -> str:
        """Record the score for the last answer."""
        return "ok"

    server.enqueue(text("Hello there, welcome."), tool("record_score", score=3, notes="fine"))
    lk_llm = lk_openai.LLM(model="gpt-4o-mini", base_url=server.base_url, api_key="x")
    ctx = llm.ChatContext.empty()
    ctx.add_message(role="user", content="Hi")
    try:
        first = await lk_llm.chat(chat_ctx=ctx, tools=[record_score]).collect()
        second = await lk_llm.chat(chat_ctx=ctx, tools=[record_score]).collect()
    finally:
        await lk_llm.aclose()
    assert first.text == "Hello there, welcome." and not first.tool_calls
    assert first.usage and first.usage.total_tokens > 0
    [call] = second.tool_calls
    assert call.name == "record_score"
    assert json.loads(call.arguments) == {"score": 3, "notes": "fine"}
    assert server.requests[1]["tools"][0]["function"]["name"] == "record_score"


@pytest.mark.parametrize("fmt", [None, "pcm", "wav"])
async def test_livekit_tts_plugin_gets_audio(server: FakeOpenAI, fmt: str | None) -> None:
    kwargs = {"response_format": fmt} if fmt else {}
    tts = lk_openai.TTS(base_url=server.base_url, api_key="x", **kwargs)
    try:
        frame = await tts.synthesize("one two three four five six seven eight nine ten").collect()
    finally:
        await tts.aclose()
    assert frame.sample_rate == 24000 and frame.num_channels == 1
    assert 0.5 <= frame.duration <= 0.7  # ten words at ~60 ms each
    assert server.speech_requests[-1]["input"].startswith("one two")


async def test_livekit_stt_plugin_returns_transcript(server: FakeOpenAI) -> None:
    server.transcript = "I worked on a payments system."
    stt = lk_openai.STT(base_url=server.base_url, api_key="x")
    silence = rtc.AudioFrame(
        b"\x00\x00" * 4800, sample_rate=16000, num_channels=1, samples_per_channel=4800
    )
    try:
        event = await stt.recognize([silence])
    finally:
        await stt.aclose()
        await stt._client.close()  # plugin 1.8.9: STT.aclose() leaves its HTTP client open
    assert event.alternatives[0].text == "I worked on a payments system."
    assert server.transcriptions == 1
