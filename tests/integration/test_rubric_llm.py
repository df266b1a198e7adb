"""The rubric through the real openai SDK against the local fake OpenAI server: a valid
reply, one retry, always invalid, a rejected key and a server error."""

from __future__ import annotations

from typing import Any

import pytest

from mockflow.feedback.rubric.generate import generate_rubric
from mockflow.feedback.rubric.llm import OpenAIRubricLLM
from tests.fakes.openai_server import FakeOpenAI, error, text
from tests.fakes.rubric_llm import (
    ANALYTICS,
    META,
    TURNS,
    reply,
)


async def run(llm: Any) -> Any:
    return await generate_rubric(llm, TURNS, META, ANALYTICS, model_name="test-model")


@pytest.fixture
async def server():
    async with FakeOpenAI(api_key="sk-test-rubric") as s:
        yield s


def real_llm(server: FakeOpenAI, key: str = "sk-test-rubric") -> OpenAIRubricLLM:
    return OpenAIRubricLLM(key, base_url=server.base_url, model="gpt-4o-mini", timeout=10)


async def test_openai_valid_reply(server: FakeOpenAI) -> None:
    server.enqueue(text(reply()))
    llm = real_llm(server)
    outcome = await run(llm)
    await llm.aclose()
    assert outcome.rubric is not None and outcome.rubric.overall == 4.0
    request = server.requests[0]
    assert request["model"] == "gpt-4o-mini"
    assert request["response_format"] == {"type": "json_object"}
    assert "stream" not in request or not request["stream"]


async def test_openai_invalid_then_valid(server: FakeOpenAI) -> None:
    server.enqueue(text('{"competencies": "nope"}'), text(reply()))
    llm = real_llm(server)
    outcome = await run(llm)
    await llm.aclose()
    assert outcome.rubric is not None and outcome.rubric.attempts == 2
    assert len(server.requests) == 2
    assert "does not match the schema" in server.requests[1]["messages"][-1]["content"]


async def test_openai_always_invalid(server: FakeOpenAI) -> None:
    server.enqueue(text("I cannot do that."), text("Still no JSON."), text(reply()))
    llm = real_llm(server)
    outcome = await run(llm)
    await llm.aclose()
    assert outcome.rubric is None and "was not valid JSON" in (outcome.failure or "")
    assert len(server.requests) == 2


async def test_openai_rejected_key_and_server_error(server: FakeOpenAI) -> None:
    llm = real_llm(server, key="sk-wrong")
    outcome = await run(llm)
    await llm.aclose()
    assert outcome.rubric is None and "rejected (401)" in (outcome.failure or "")
    assert "sk-wrong" not in (outcome.failure or "")
    server.enqueue(error(503))
    llm = real_llm(server)
    outcome = await run(llm)
    await llm.aclose()
    assert outcome.rubric is None and "HTTP 503" in (outcome.failure or "")
