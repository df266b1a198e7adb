"""A small model that writes its tool call as text, through the real AgentSession in text
mode against the fake OpenAI-compatible server: the call moves the stage when the guards
allow it, and no committed turn or live draft holds markup."""

from __future__ import annotations

import json

import pytest
from livekit.agents import AgentSession
from livekit.plugins import openai as lk_openai

from mockflow.agent.controller import InterviewController
from mockflow.agent.drafts import DraftOutput
from mockflow.agent.interviewer import InterviewerAgent
from mockflow.contracts.events import EventWriter, read_events
from mockflow.contracts.launch_spec import parse_launch_spec
from mockflow.interview.fsm import build_fsm, load_track
from mockflow.interview.markup import markup_kinds
from tests.fakes.openai_server import FakeOpenAI, text, tool_as_text

pytestmark = pytest.mark.integration


@pytest.fixture
async def fake():
    async with FakeOpenAI() as server:
        yield server


async def _interview(tmp_path, fake, **llm):
    spec = parse_launch_spec(
        json.dumps(
            {
                "session_id": "iv_small",
                "session_dir": str(tmp_path),
                "candidate": {"name": "Ana Lima", "role": "Backend Engineer"},
                "track": "behavioral",
                "providers": {"llm": {"api_key": "k", "base_url": fake.base_url, **llm}},
            }
        )
    )
    now = [0.0]
    fsm = build_fsm("behavioral", {}, clock=lambda: now[0])
    controller = InterviewController(spec, fsm, EventWriter(tmp_path / "events.jsonl"))
    session = AgentSession(
        llm=lk_openai.LLM(model="gpt-4o-mini", base_url=fake.base_url, api_key="k")
    )
    session.output.transcription = DraftOutput(controller)
    agent = InterviewerAgent(controller)
    controller.attach(session, agent)
    await session.start(agent)
    controller.begin()
    return controller, session, now


async def _answer(controller, text_: str) -> None:
    controller.record_answer(text_, started_at=0.0, ended_at=0.0)
    await controller.apply_due_transition()
    await controller._reply(user_input=text_)


def _events(tmp_path, kind):
    return [e for e in read_events(tmp_path / "events.jsonl") if e["type"] == kind]


def _interviewer_turns(tmp_path) -> list[dict]:
    return [t for t in _events(tmp_path, "turn") if t["role"] == "interviewer"]


async def test_a_tool_call_written_as_text_moves_the_stage_and_is_never_shown(tmp_path, fake):
    controller, session, now = await _interview(tmp_path, fake)
    # the greeting is only the call: refused (nothing answered yet), so a fallback greets
    fake.enqueue(tool_as_text("complete_stage", summary="Greeted Ana."))
    await controller.greet()
    now[0] = 60.0  # past the greeting's minimum time
    fake.enqueue(
        tool_as_text("complete_stage", before="Thanks, Ana. ", summary="Ready."),
        text("Could you walk me through your background?"),
    )
    await _answer(controller, "Yes, ready!")

    turns = _interviewer_turns(tmp_path)
    assert turns[0]["text"].startswith("Hi Ana") and turns[0]["stage"] == "greeting"
    assert turns[1]["text"] == "Thanks, Ana. Could you walk me through your background?"
    assert [e["reason"] for e in _events(tmp_path, "stage")] == ["start", "tool"]
    assert controller.fsm.stage.name == "self_intro"
    # the follow-up was generated under the next stage's instructions
    prompt = json.dumps(fake.requests[-1]["messages"])
    assert load_track("behavioral").stage("self_intro").goal in prompt
    drafts = "".join(d["delta"] for d in _events(tmp_path, "draft"))
    for said in [*(t["text"] for t in turns), drafts]:
        assert markup_kinds(said) == [], said
    await session.aclose()


async def test_a_question_before_the_call_stands_alone_and_the_stage_still_moves(tmp_path, fake):
    controller, session, now = await _interview(tmp_path, fake)
    fake.enqueue(text("Hi Ana, ready to begin?"))
    await controller.greet()
    now[0] = 60.0
    asked = "What have you been working on lately?"
    fake.enqueue(tool_as_text("complete_stage", before=f"Great answer! {asked} "))
    requests = len(fake.requests)
    await _answer(controller, "Yes.")
    assert _interviewer_turns(tmp_path)[-1]["text"] == asked
    assert controller.fsm.stage.name == "self_intro"
    assert len(fake.requests) == requests + 1  # a question was asked: no second reply
    await session.aclose()


async def test_a_reply_of_markup_and_praise_only_gets_a_fallback_question(tmp_path, fake):
    controller, session, now = await _interview(tmp_path, fake)
    fake.enqueue(text("Hi Ana, ready to begin?"))
    await controller.greet()
    fake.enqueue(text("**Excellent!** <|im_end|>"), text("## Stage 1\n- Great answer!"))
    await _answer(controller, "Yes.")
    await _answer(controller, "Still here.")
    first, second = (t["text"] for t in _interviewer_turns(tmp_path)[1:])
    greeting = load_track("behavioral").stage("greeting").fallback_questions
    assert first in [q.replace("{name}", "Ana") for q in greeting]
    assert second != first and "?" in second
    await session.aclose()


async def test_a_recital_of_the_brief_and_an_echo_of_the_answer_give_way_to_a_question(
    tmp_path, fake
):
    # both seen from Qwen2.5-Coder-0.5B in a rehearsal
    controller, session, now = await _interview(tmp_path, fake)
    fake.enqueue(text("Hi Ana, ready to begin?"))
    await controller.greet()
    answer = "I'm Ana, a backend engineer with six years of experience at Acme."
    goal = load_track("behavioral").stage("greeting").goal
    fake.enqueue(text(f"What you are doing now: {goal} Hi Ana, a backend engineer with six "
                      "years of experience."))  # fmt: skip
    await _answer(controller, answer)
    said = _interviewer_turns(tmp_path)[-1]["text"]
    assert goal not in said and "six years" not in said
    assert "?" in said
    await session.aclose()


async def test_the_tool_is_offered_only_when_the_provider_calls_tools(tmp_path, fake):
    controller, session, _ = await _interview(tmp_path, fake)
    fake.enqueue(text("Hi Ana, ready?"))
    await controller.greet()
    assert "tools" not in fake.requests[-1]
    assert "complete_stage" not in json.dumps(fake.requests[-1]["messages"])
    await session.aclose()

    controller, session, _ = await _interview(tmp_path / "with_tools", fake, tool_calls=True)
    fake.enqueue(text("Hi Ana, ready?"))
    await controller.greet()
    tools = [t["function"]["name"] for t in fake.requests[-1]["tools"]]
    assert tools == ["complete_stage"]
    await session.aclose()
