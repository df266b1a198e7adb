"""The interview controller without a model or a room: what it writes to the timeline,
when the code (not the model) moves a stage on, and how it ends. Only it writes events."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from livekit.agents import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ChatMessage,
    ToolError,
)

from mockflow.agent.controller import (
    MOVE_ON,
    NO_ANSWER,
    OUT_OF_TIME,
    WRAP_UP,
    InterviewController,
    record_refusal,
)
from mockflow.agent.slow_turns import APOLOGY, OPENING_APOLOGY
from mockflow.contracts.events import EventWriter, read_events
from mockflow.contracts.launch_spec import parse_launch_spec
from mockflow.interview.fsm import build_fsm
from tests.fakes.reply_session import ReplySession

KEY = "sk-controller-test-key-0042"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _controller(tmp_path: Path, clock: Clock, **spec: object) -> InterviewController:
    launch = {
        "session_id": "iv_1",
        "session_dir": str(tmp_path),
        "track": "behavioral",
        "candidate": {"name": "Ada", "role": "Engineer"},
        "providers": {"llm": {"api_key": KEY, "base_url": "http://llm.internal:8000/v1"}},
        **spec,
    }
    parsed = parse_launch_spec(json.dumps(launch))
    fsm = build_fsm(parsed.track, {}, clock=clock)
    return InterviewController(parsed, fsm, EventWriter(tmp_path / "events.jsonl"), clock)


def _events(tmp_path: Path, kind: str | None = None) -> list[dict]:
    events = read_events(tmp_path / "events.jsonl")
    return [e for e in events if kind is None or e["type"] == kind]


def test_begin_writes_ready_with_every_stage_then_the_first_stage(tmp_path):
    controller = _controller(tmp_path, Clock())
    controller.begin()
    ready, stage = _events(tmp_path)
    assert ready["type"] == "ready" and ready["session_id"] == "iv_1"
    assert [s["stage"] for s in ready["stages"]] == [
        "greeting",
        "self_intro",
        "past_experience",
        "company_fit",
        "closing",
    ]
    assert ready["stages"][0] == {"stage": "greeting", "title": "Greeting", "time_limit": 90.0}
    assert (stage["type"], stage["stage"], stage["reason"]) == ("stage", "greeting", "start")


async def test_an_answer_after_the_time_limit_moves_the_stage_on_by_the_timer(tmp_path):
    clock = Clock()
    controller = _controller(tmp_path, clock)
    controller.begin()
    controller.record_answer("I'm ready.", started_at=clock.now, ended_at=clock.now + 2)
    assert await controller.apply_due_transition() is None  # in time: the stage goes on
    clock.now += 91
    controller.record_answer("Sure, let's go.", started_at=clock.now, ended_at=clock.now + 1)
    transition = await controller.apply_due_transition()
    assert transition is not None and transition.to_stage == "self_intro"
    turns = _events(tmp_path, "turn")
    assert [(t["role"], t["stage"]) for t in turns] == [
        ("candidate", "greeting"),
        ("candidate", "greeting"),
    ]
    stage = _events(tmp_path, "stage")[-1]
    assert (stage["stage"], stage["reason"]) == ("self_intro", "timer")


async def test_the_model_may_end_a_stage_only_once_its_guards_hold(tmp_path):
    clock = Clock()
    controller = _controller(tmp_path, clock)
    controller.begin()
    with pytest.raises(ToolError, match="ask 1 more"):
        await controller.complete_stage_requested()  # nothing answered yet
    controller.record_answer("Ready.", started_at=clock.now, ended_at=clock.now)
    with pytest.raises(ToolError, match="barely started"):
        await controller.complete_stage_requested()
    clock.now += 20
    assert await controller.complete_stage_requested() == MOVE_ON
    assert _events(tmp_path, "stage")[-1]["reason"] == "tool"
    assert len(_events(tmp_path, "stage")) == 2  # each refusal wrote nothing


async def test_the_last_stage_ending_asks_for_the_goodbye(tmp_path):
    clock = Clock()
    controller = _controller(tmp_path, clock)
    controller.begin()
    for _ in range(4):
        controller.fsm.skip()
    controller.record_answer("No questions, thanks.", started_at=clock.now, ended_at=clock.now)
    clock.now += 15
    assert controller.fsm.stage.name == "closing"
    assert await controller.complete_stage_requested() == WRAP_UP
    assert controller.fsm.finished
    assert "goodbye" in controller.current_instructions().lower()


async def test_a_coachs_question_is_asked_before_its_stage_can_end(tmp_path):
    clock = Clock()
    question = "Tell me about a time a pipeline broke at night."
    controller = _controller(tmp_path, clock, coach={"questions": [question]})
    controller.begin()
    while controller.fsm.stage.name != "past_experience":
        controller.fsm.skip()
    assert question in controller.current_instructions()
    for _ in range(2):
        controller.record_answer("An answer.", started_at=clock.now, ended_at=clock.now)
    clock.now += 61
    with pytest.raises(ToolError, match="coach's question"):
        await controller.complete_stage_requested()
    # the interviewer asks it: the turn is written and the question is done
    asked = ChatMessage(role="assistant", content=[question])
    controller._on_item_added(SimpleNamespace(item=asked))
    turn = _events(tmp_path, "turn")[-1]
    assert (turn["role"], turn["text"], turn["stage"]) == (
        "interviewer",
        question,
        "past_experience",
    )
    assert question not in controller.current_instructions()
    assert await controller.complete_stage_requested() == MOVE_ON


def _attached(tmp_path: Path, clock: Clock, base_url: str = "http://llm.internal:8000/v1"):
    controller = _controller(
        tmp_path, clock, providers={"llm": {"api_key": KEY, "base_url": base_url}}
    )
    session = ReplySession()
    controller.attach(session, None)  # type: ignore[arg-type]
    controller.begin()
    return controller, session


def _timed_out() -> APIConnectionError:
    """What a reply's handle reports after the framework's retry also timed out."""
    try:
        raise APIConnectionError("failed after 2 attempts") from APITimeoutError()
    except APIConnectionError as error:
        return error


async def test_a_reply_that_times_out_is_skipped_with_an_apology_and_the_interview_goes_on(
    tmp_path,
):
    clock = Clock()
    controller, session = _attached(tmp_path, clock)
    session.script("Hi Ada, ready to begin?", _timed_out(), "What do you do now?")
    await controller.greet()
    await controller.answer("Yes, ready.")
    assert session.said == [APOLOGY]
    await controller.answer("I build payment systems.")
    turns = [(t["role"], t["text"]) for t in _events(tmp_path, "turn")]
    assert turns == [
        ("interviewer", "Hi Ada, ready to begin?"),
        ("candidate", "Yes, ready."),
        ("interviewer", APOLOGY),
        ("candidate", "I build payment systems."),
        ("interviewer", "What do you do now?"),
    ]
    assert _events(tmp_path, "error") == [] and not controller.finished.is_set()
    # the apology counted as a question: the greeting's two were asked and answered
    stages = [(e["stage"], e["reason"]) for e in _events(tmp_path, "stage")]
    assert stages == [("greeting", "start"), ("self_intro", "limit")]


async def test_a_first_reply_that_fails_opens_with_an_apology(tmp_path):
    controller, session = _attached(tmp_path, Clock())
    session.script(_timed_out())
    await controller.greet()
    assert session.said == [OPENING_APOLOGY] and not controller.finished.is_set()


async def test_a_rejected_key_ends_at_once_naming_the_provider_never_the_key(tmp_path):
    controller, session = _attached(tmp_path, Clock())
    session.script(APIStatusError(f"Incorrect API key {KEY}", status_code=401))
    await controller.greet()
    assert session.said == [] and len(session.requests) == 1
    (error,) = _events(tmp_path, "error")
    assert error["fatal"] is True
    assert error["message"] == (
        "The language model provider rejected the API key (401). Check the key in Settings."
    )
    assert controller.end_reason == "error"
    controller.close(controller.end_reason)
    last = _events(tmp_path)[-1]
    assert (last["type"], last["reason"]) == ("ended", "error")
    assert KEY not in (tmp_path / "events.jsonl").read_text("utf-8")


async def test_three_failed_turns_in_a_row_end_the_interview(tmp_path):
    controller, session = _attached(tmp_path, Clock())
    session.script("Hi Ada, ready?", _timed_out(), _timed_out(), _timed_out())
    await controller.greet()
    for answer in ("Yes.", "Sure.", "Hello?"):
        await controller.answer(answer)
    assert session.said == [APOLOGY, APOLOGY]
    (error,) = _events(tmp_path, "error")
    assert error["message"] == "The language model provider at llm.internal:8000 did not " + (
        "answer in time."
    )
    assert controller.end_reason == "error"


async def test_a_refused_local_server_gets_the_same_turn_again_until_it_is_back(tmp_path):
    controller, session = _attached(tmp_path, Clock(), base_url="http://127.0.0.1:8011/v1")
    controller.failed_turns.retry_interval = 0.0  # the wait between tries is not under test
    refused = APIConnectionError("Connection error.")
    refused.__cause__ = ConnectionRefusedError(111, "Connection refused")
    session.script("Hi Ada, ready?", refused, refused, "Great. What do you do now?")
    await controller.greet()
    await controller.answer("Yes, ready.")
    assert session.said == [] and _events(tmp_path, "error") == []
    assert session.requests[-1] == {}  # a retry: the answer is already in the history
    turns = [(t["role"], t["text"]) for t in _events(tmp_path, "turn")]
    assert turns == [
        ("interviewer", "Hi Ada, ready?"),
        ("candidate", "Yes, ready."),
        ("interviewer", "Great. What do you do now?"),
    ]


def test_a_speech_provider_failure_ends_at_once_without_the_key(tmp_path):
    controller = _controller(tmp_path, Clock())
    controller.begin()
    recoverable = SimpleNamespace(recoverable=True, type="stt_error", error=RuntimeError("x"))
    controller._on_error(SimpleNamespace(error=recoverable))
    assert _events(tmp_path, "error") == [] and not controller.finished.is_set()
    failure = APIConnectionError(f"connection refused for {KEY}")
    fatal = SimpleNamespace(recoverable=False, type="stt_error", error=failure)
    controller._on_error(SimpleNamespace(error=fatal))
    controller._on_error(SimpleNamespace(error=fatal))  # a second failure adds nothing
    (error,) = _events(tmp_path, "error")
    assert error["message"] == "The speech-to-text provider could not be reached."
    assert controller.end_reason == "error"
    assert KEY not in (tmp_path / "events.jsonl").read_text("utf-8")


def test_an_interview_that_cannot_begin_still_has_a_whole_timeline(tmp_path):
    events = EventWriter(tmp_path / "events.jsonl")
    record_refusal(events, "The launch spec could not be read.")
    error, ended = _events(tmp_path)
    assert (error["type"], error["fatal"]) == ("error", True)
    assert (ended["type"], ended["reason"]) == ("ended", "error")


def test_a_model_without_the_stage_tool_gets_one_of_the_stages_questions_to_fall_back_on(
    tmp_path,
):
    """A small model kept on topic: the stage's part of its prompt holds one of the
    track's questions for the stage (fenced, so it may be said), another one as the stage
    goes on; a model that calls tools gets none."""
    clock = Clock()
    controller = _controller(tmp_path, clock)  # a base_url: no tool offered
    controller.begin()
    stage = controller.fsm.stage
    first = controller.stage_prompt()
    assert "<<<BEGIN_CANDIDATE_DATA SUGGESTED_QUESTION>>>" in first
    assert stage.fallback_questions[0].replace("{name}", "Ada") in first
    controller.fsm.note_question()
    assert controller.stage_prompt() != first
    with_tool = _controller(
        tmp_path / "tool", clock, providers={"llm": {"api_key": KEY, "tool_calls": True}}
    )
    with_tool.begin()
    assert "SUGGESTED_QUESTION" not in with_tool.stage_prompt()


async def test_in_closing_a_reply_that_asks_nothing_ends_the_interview_only_once_answered(
    tmp_path,
):
    clock = Clock()
    controller = _controller(tmp_path, clock)
    controller.begin()
    while controller.fsm.stage.name != "closing":
        controller.fsm.skip()
    controller.fsm.note_question()  # "Do you have any questions for me?"
    assert not await controller.wrap_up_requested()  # its answer comes first
    controller.record_answer("What is the team like?", started_at=clock.now, ended_at=clock.now)
    assert await controller.wrap_up_requested()
    assert controller.fsm.finished and "goodbye" in controller.current_instructions().lower()


async def test_an_answer_near_the_end_of_the_closing_gets_the_goodbye_and_the_end(tmp_path):
    clock = Clock()
    controller, session = _attached(tmp_path, clock)
    while controller.fsm.stage.name != "closing":
        controller.fsm.skip()
    session.script("Do you have any questions for me?", "Weekly. Thank you for your time, Ada!")
    await controller.greet()
    clock.now += controller.fsm.stage.time_limit * 0.8
    await controller.answer("How often do you release?")
    turns = [(t["role"], t["text"]) for t in _events(tmp_path, "turn")]
    assert turns[-1] == ("interviewer", "Weekly. Thank you for your time, Ada!")
    assert controller.end_reason == "completed"


async def test_stopped_at_the_time_limit_the_interviewer_says_so_and_it_ends_as_timeout(tmp_path):
    controller, session = _attached(tmp_path, Clock())
    session.script("Hi Ada, ready to begin?")
    await controller.greet()
    controller.end("timeout")
    await controller.last_words(5.0)
    assert session.said == [OUT_OF_TIME.format(name="Ada")]
    assert controller.end_reason == "timeout"
    controller.end("timeout")  # a second stop says nothing more
    assert len(session.said) == 1


async def test_the_candidate_ending_it_gets_no_last_line(tmp_path):
    controller, session = _attached(tmp_path, Clock())
    session.script("Hi Ada, ready to begin?")
    await controller.greet()
    controller.end("user_ended")
    await controller.last_words(5.0)
    assert session.said == [] and controller.end_reason == "user_ended"


def test_skip_in_the_last_stage_is_recorded_on_the_ended_line(tmp_path):
    """Leaving the last stage starts no stage, so no `stage` event can carry the skip:
    the `ended` line does, for the stage bar and the report."""
    controller = _controller(tmp_path, Clock())
    controller.begin()
    while controller.fsm.stage is not None and controller.fsm.stage.name != "closing":
        controller.fsm.skip()
    controller._record_transition(controller.fsm.skip())
    controller.close("completed")
    (ended,) = _events(tmp_path, "ended")
    assert ended == {**ended, "reason": "completed", "last_stage": "closing", "last_move": "skip"}


def test_an_end_from_a_middle_stage_adds_nothing_to_the_ended_line(tmp_path):
    controller = _controller(tmp_path, Clock())
    controller.begin()
    controller._record_transition(controller.fsm.end())
    controller.close("user_ended")
    (ended,) = _events(tmp_path, "ended")
    assert "last_move" not in ended and ended["reason"] == "user_ended"


def _held(tmp_path: Path, clock: Clock, **hold: float | None):
    """A practice link's interview: the controller under a `time_budget`."""
    controller = _controller(tmp_path, clock, time_budget=hold)
    session = ReplySession()
    controller.attach(session, None)  # type: ignore[arg-type]
    controller.begin()
    return controller, session


async def test_a_practice_interview_closes_a_minute_before_its_granted_end_then_ends_there(
    tmp_path,
):
    clock = Clock()
    controller, session = _held(tmp_path, clock, seconds=300, closing_seconds=60)
    session.script("Hi Ada, ready to begin?", "Tell me about yourself.", "Any questions?")
    await controller.greet()
    await controller.answer("Ready.")
    clock.now += 239
    controller.tick()
    assert controller.fsm.stage.name != "closing"  # not yet
    clock.now += 1
    controller.tick()
    stage = _events(tmp_path, "stage")[-1]
    assert (stage["stage"], stage["reason"]) == ("closing", "timer")
    await controller.answer("I build payment systems.")  # answered in the closing
    assert _events(tmp_path, "turn")[-1]["stage"] == "closing"
    assert not controller.finished.is_set()
    clock.now += 60
    controller.tick()
    await controller.last_words(5.0)
    assert session.said == [OUT_OF_TIME.format(name="Ada")]  # the candidate hears why
    assert controller.end_reason == "timeout"


async def test_a_question_left_unanswered_ends_a_sponsored_interview(tmp_path):
    clock = Clock()
    controller, session = _held(tmp_path, clock, idle_seconds=120)
    session.script("Hi Ada, ready to begin?", "Tell me about yourself.")
    await controller.greet()
    clock.now += 100
    await controller.answer("Ready.")  # an answer restarts the wait
    clock.now += 119
    controller.tick()
    assert not controller.finished.is_set()
    clock.now += 1
    controller.tick()
    await controller.last_words(5.0)
    assert session.said == [NO_ANSWER.format(name="Ada")]
    assert controller.end_reason == "timeout"


async def test_an_interview_without_a_budget_is_not_ended_by_the_clock(tmp_path):
    clock = Clock()
    controller, session = _attached(tmp_path, clock)
    session.script("Hi Ada, ready to begin?")
    await controller.greet()
    clock.now += 3 * 3600
    controller.tick()
    assert not controller.finished.is_set() and session.said == []
