"""A slow model is not a failure: the real AgentSession in text mode, with the real
OpenAI plugin as the interview builds it, against the local fake server. A reply that
stalls past the first-token timeout twice is skipped with an apology, and the next
answer gets a normal reply; the transcript stays whole."""

from __future__ import annotations

import json

import pytest
from livekit.agents import AgentSession

from mockflow.agent.controller import InterviewController
from mockflow.agent.interviewer import InterviewerAgent
from mockflow.agent.providers import PinnedClients, build_llm, connect_options
from mockflow.agent.slow_turns import APOLOGY
from mockflow.agent.transports.text import follow_session
from mockflow.contracts.events import EventWriter, read_events
from mockflow.contracts.launch_spec import parse_launch_spec
from mockflow.interview.fsm import build_fsm
from tests.fakes.openai_server import FakeOpenAI, text

pytestmark = pytest.mark.integration
TIMEOUT = 1.0  # seconds to the first token


@pytest.fixture
async def fake():
    async with FakeOpenAI() as server:
        yield server


async def _interview(tmp_path, fake):
    spec = parse_launch_spec(
        json.dumps(
            {
                "session_id": "iv_slow",
                "session_dir": str(tmp_path),
                "candidate": {"name": "Ana", "role": "Backend Engineer"},
                "stage_overrides": {"greeting": 600.0, "self_intro": 600.0},
                "providers": {
                    "llm": {"api_key": "k", "base_url": fake.base_url, "timeout": TIMEOUT}
                },
            }
        )
    )
    controller = InterviewController(
        spec, build_fsm(spec.track, spec.stage_overrides), EventWriter(tmp_path / "events.jsonl")
    )
    llm = build_llm(spec.providers.llm, PinnedClients())
    session = AgentSession(
        llm=llm,
        vad=None,
        turn_handling={"turn_detection": "manual"},
        conn_options=connect_options(spec.providers.llm),
    )
    agent = InterviewerAgent(controller)
    controller.attach(session, agent)
    follow_session(session, controller)
    await session.start(agent)
    controller.begin()
    return controller, session


def _stalled(**how) -> object:
    reply = text("never seen")
    for name, value in how.items():
        setattr(reply, name, value)
    return reply


async def test_a_reply_that_stalls_twice_is_skipped_with_an_apology_then_all_goes_on(
    tmp_path, fake
):
    controller, session = await _interview(tmp_path, fake)
    try:
        fake.enqueue(text("Hi Ana, thanks for joining. Ready to begin?"))
        await controller.greet()
        # no headers until too late, then a stream kept alive without a token (pings)
        fake.enqueue(_stalled(delay=TIMEOUT * 3), _stalled(pings=TIMEOUT * 3))
        await controller.answer("Yes, ready.")
        fake.enqueue(text("Could you walk me through your background?"))
        await controller.answer("Sure. I build payment systems in Go.")
        assert not controller.finished.is_set()  # the interview goes on
    finally:
        await session.aclose()
    events = read_events(tmp_path / "events.jsonl")
    turns = [(e["role"], e["text"]) for e in events if e["type"] == "turn"]
    assert turns == [
        ("interviewer", "Hi Ana, thanks for joining. Ready to begin?"),
        ("candidate", "Yes, ready."),
        ("interviewer", APOLOGY),
        ("candidate", "Sure. I build payment systems in Go."),
        ("interviewer", "Could you walk me through your background?"),
    ]
    assert not any(e["type"] == "error" for e in events)
    assert len(fake.requests) == 4  # the greeting, the stalled reply and its retry, the last
    # the model got the whole conversation, the apology included, for the last reply
    said = [m["content"] for m in fake.requests[-1]["messages"] if m["role"] != "system"]
    assert said == [turn for _, turn in turns[:-1]]
    # while each reply was generated the interviewer was "thinking", then listening again
    states = [e["agent_state"] for e in events if e["type"] == "state"]
    assert states.count("thinking") >= 3 and states[-1] == "listening"
    reused = [e["prompt_prefix_reused"] for e in events if "prompt_prefix_reused" in e]
    assert reused and all(0.5 < share <= 1.0 for share in reused)
