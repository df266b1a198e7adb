"""How an interview ends and how a skip reads, through the real AgentSession in text mode
against the fake OpenAI-compatible server: the interviewer never ends on a question it
will not wait for, the closing question gets its answer, the goodbye asks nothing, and a
skip leaves the unanswered question and the next one as two turns. Stopped by the app
at its time limit, the interviewer's last turn says so."""

from __future__ import annotations

import json

import pytest

from mockflow.agent.controller import OUT_OF_TIME
from mockflow.agent.voice import CHECK_IN
from mockflow.contracts.events import EventFileError, read_events
from mockflow.interview.fsm import load_track
from tests.fakes.openai_server import FakeOpenAI, Reply, text, tool, tool_as_text
from tests.integration.conftest import make_spec, send, spawn_agent
from tests.integration.test_small_model_replies import _interview
from tests.waiting import eventually

pytestmark = pytest.mark.integration

CLOSING_QUESTION = "Do you have any questions for me?"


@pytest.fixture
async def fake():
    async with FakeOpenAI() as server:
        yield server


async def _in_closing(tmp_path, fake, *, tool_calls: bool = True):
    """An interview in its closing stage, the closing question asked."""
    controller, session, now = await _interview(tmp_path, fake, tool_calls=tool_calls)
    fake.enqueue(text("Hi Ana, ready to begin?"))
    await controller.greet()
    for _ in range(3):
        controller.fsm.skip()
    fake.enqueue(text(f"Thanks, Ana. {CLOSING_QUESTION}"))
    await controller.skip()
    assert controller.fsm.stage.name == "closing"
    now[0] += 20.0  # past the closing's minimum time, well inside its 60 s
    return controller, session, now


def _events(tmp_path, kind):
    return [e for e in read_events(tmp_path / "events.jsonl") if e["type"] == kind]


def _interviewer_turns(tmp_path) -> list[str]:
    return [t["text"] for t in _events(tmp_path, "turn") if t["role"] == "interviewer"]


async def test_a_closing_reply_that_asks_and_calls_the_tool_waits_for_the_answer(tmp_path, fake):
    controller, session, _ = await _in_closing(tmp_path, fake)
    fake.enqueue(_words_then_call("The team is eight people. Anything else you'd like to know?"))
    requests = len(fake.requests)
    await controller.answer("How big is the team?")
    assert _interviewer_turns(tmp_path)[-1] == (
        "The team is eight people. Anything else you'd like to know?"
    )
    assert not controller.finished.is_set() and controller.fsm.stage.name == "closing"
    assert len(fake.requests) == requests + 1  # no goodbye after the unanswered question
    fake.enqueue(tool("complete_stage"), text("Thank you for your time, Ana. Goodbye!"))
    await controller.answer("No, that's all.")
    assert controller.end_reason == "completed"
    assert _interviewer_turns(tmp_path)[-1] == "Thank you for your time, Ana. Goodbye!"
    await session.aclose()


def _words_then_call(words: str) -> Reply:
    """Words, then a real complete_stage call, in one reply."""
    reply = text(words)
    reply.tool_calls = [("complete_stage", {})]
    return reply


async def test_a_small_models_closing_question_then_written_call_does_not_end_it(tmp_path, fake):
    controller, session, _ = await _in_closing(tmp_path, fake, tool_calls=False)
    fake.enqueue(tool_as_text("complete_stage", before="Happy to. Anything else? "))
    await controller.answer("What does onboarding look like?")
    assert _interviewer_turns(tmp_path)[-1] == "Happy to. Anything else?"
    assert not controller.finished.is_set() and controller.fsm.stage.name == "closing"
    await session.aclose()


async def test_a_closing_reply_that_asks_nothing_after_the_answer_is_the_goodbye(tmp_path, fake):
    controller, session, _ = await _in_closing(tmp_path, fake, tool_calls=False)
    fake.enqueue(text("The hiring team will follow up on salary."))
    await controller.answer("What is the salary range?")
    last = _interviewer_turns(tmp_path)[-1]
    assert last.startswith("The hiring team will follow up on salary.")
    goodbyes = [g.replace("{name}", "Ana") for g in load_track("behavioral").fallback_goodbyes]
    assert any(last.endswith(g) for g in goodbyes) and "?" not in last
    assert controller.end_reason == "completed"
    await session.aclose()


async def test_the_closing_question_is_asked_before_the_interview_can_end(tmp_path, fake):
    controller, session, now = await _interview(tmp_path, fake, tool_calls=False)
    fake.enqueue(text("Hi Ana, ready to begin?"))
    await controller.greet()
    for _ in range(3):
        controller.fsm.skip()
    fake.enqueue(text("Thanks for all your answers, Ana."))  # no question: one is due
    await controller.skip()
    last = _interviewer_turns(tmp_path)[-1]
    assert last.startswith("Thanks for all your answers, Ana.") and last.endswith("?")
    assert not controller.finished.is_set()
    await session.aclose()


async def test_the_goodbye_asks_nothing(tmp_path, fake):
    controller, session, _ = await _in_closing(tmp_path, fake)
    fake.enqueue(tool("complete_stage"), text("Thanks, Ana! Any last questions? Goodbye!"))
    await controller.answer("No questions, thank you.")
    assert _interviewer_turns(tmp_path)[-1] == "Thanks, Ana! Goodbye!"
    assert controller.end_reason == "completed"
    await session.aclose()


async def test_with_little_closing_time_left_the_reply_to_an_answer_is_the_goodbye(tmp_path, fake):
    controller, session, now = await _in_closing(tmp_path, fake, tool_calls=False)
    now[0] += 30.0  # 50 s of the closing's 60 s: no time for another question and answer
    fake.enqueue(text("Good question: the team ships weekly. Thank you for your time, Ana!"))
    await controller.answer("How often do you release?")
    assert "has now ended" in json.dumps(fake.requests[-1]["messages"])
    assert _interviewer_turns(tmp_path)[-1] == (
        "Good question: the team ships weekly. Thank you for your time, Ana!"
    )
    assert controller.fsm.history[-1].reason == "timer"
    assert controller.end_reason == "completed"
    await session.aclose()


async def test_a_skip_leaves_the_unanswered_question_and_the_next_as_two_turns(tmp_path, fake):
    controller, session, _ = await _interview(tmp_path, fake, tool_calls=True)
    fake.enqueue(text("Hi Ana, ready to begin?"))
    await controller.greet()
    fake.enqueue(text("No problem. Could you walk me through your background?"))
    await controller.skip()
    assert _interviewer_turns(tmp_path) == [
        "Hi Ana, ready to begin?",
        "No problem. Could you walk me through your background?",  # a short acknowledgement
    ]
    assert "skip your last question" in json.dumps(fake.requests[-1]["messages"])
    drafts = _events(tmp_path, "draft")
    by_reply: dict[int, str] = {}
    for draft in drafts:
        by_reply[draft["reply"]] = by_reply.get(draft["reply"], "") + draft["delta"]
    assert list(by_reply.values()) == _interviewer_turns(tmp_path)  # each reply its own draft
    await session.aclose()


# -- the app stops the interview at its time limit (the agent as a real process) ------------

LONG_STAGES = {s: 120.0 for s in ("greeting", "self_intro", "past_experience", "company_fit")}


def _turns(spec: dict) -> list[dict]:
    try:
        events = read_events(f"{spec['session_dir']}/events.jsonl")
    except EventFileError:  # not written yet
        return []
    return [e for e in events if e["type"] == "turn"]


def _stopped_at_the_time_limit(proc, spec: dict) -> list[dict]:
    send(proc, {"type": "end", "reason": "timeout"})
    proc.wait(timeout=60)
    return read_events(f"{spec['session_dir']}/events.jsonl")


def test_at_the_time_limit_the_interviewer_says_so_as_its_last_turn(tmp_path, fake_llm):
    fake_llm.enqueue(text("Hi Ana, ready to start?"), text("What do you do today?"))
    spec = make_spec(tmp_path, fake_llm.base_url, stage_overrides=LONG_STAGES)
    proc = spawn_agent(spec)
    proc.stdout.readline()
    assert eventually(lambda: _turns(spec), timeout=60)
    send(proc, {"type": "user_text", "text": "Yes, ready."})
    assert eventually(lambda: len(_turns(spec)) >= 3, timeout=60)
    events = _stopped_at_the_time_limit(proc, spec)
    last = [t for t in _turns(spec) if t["role"] == "interviewer"][-1]
    assert last["text"] == OUT_OF_TIME.format(name="Ana")
    assert events[-1]["type"] == "ended" and events[-1]["reason"] == "timeout"


def test_a_reply_under_way_at_the_time_limit_is_cut_off_and_asks_nothing(tmp_path, fake_llm):
    slow = text("Tell me about a project you led?")
    slow.delay = 3.0  # it would come within the end's grace, and get no answer
    fake_llm.enqueue(text("Hi Ana, ready to start?"), slow)
    spec = make_spec(tmp_path, fake_llm.base_url, stage_overrides=LONG_STAGES)
    spec["providers"]["llm"]["timeout"] = 60.0
    proc = spawn_agent(spec)
    proc.stdout.readline()
    assert eventually(lambda: _turns(spec), timeout=60)
    send(proc, {"type": "user_text", "text": "Yes, ready."})
    assert eventually(lambda: len(fake_llm.requests) >= 2, timeout=60)  # the reply is under way
    events = _stopped_at_the_time_limit(proc, spec)
    said = [t["text"] for t in _turns(spec) if t["role"] == "interviewer"]
    assert said == ["Hi Ana, ready to start?"]  # no question it would not wait for
    assert events[-1]["reason"] == "timeout"


async def test_a_check_in_after_a_silence_in_closing_does_not_end_the_interview(tmp_path, fake):
    controller, session, _ = await _in_closing(tmp_path, fake, tool_calls=False)
    fake.enqueue(text("The team is eight people. Anything else?"))
    await controller.answer("How big is the team?")
    fake.enqueue(text("Take all the time you need."))  # asks nothing, answers no one
    await session.generate_reply(instructions=CHECK_IN, tool_choice="none")
    assert _interviewer_turns(tmp_path)[-1].startswith("Take all the time you need.")
    assert not controller.fsm.finished and not controller.finished.is_set()
    await session.aclose()
