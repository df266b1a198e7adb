"""The prompt's layout for the providers' prompt caches: the stable instructions first and
identical across turns and stages, the stage's part last, and the share reused measured."""

from __future__ import annotations

import json
from pathlib import Path

from livekit.agents import ChatContext

from mockflow.agent.controller import InterviewController
from mockflow.agent.prompt_layout import PrefixMeter, prefix_share, serialize
from mockflow.contracts.events import EventWriter, read_events
from mockflow.contracts.launch_spec import parse_launch_spec
from mockflow.interview.fsm import build_fsm

RESUME = "Ada Lovelace. Led the payments migration at Acme."


def _controller(tmp_path: Path) -> InterviewController:
    spec = parse_launch_spec(
        json.dumps(
            {
                "session_id": "iv_layout",
                "session_dir": str(tmp_path),
                "candidate": {"name": "Ada", "role": "Engineer"},
                "resume_text": RESUME,
                "job_description": "Own the billing services.",
                "providers": {"llm": {"api_key": "k"}},
            }
        )
    )
    fsm = build_fsm("behavioral", {}, clock=lambda: 0.0)
    return InterviewController(spec, fsm, EventWriter(tmp_path / "events.jsonl"))


def _history(controller: InterviewController, *turns: str) -> ChatContext:
    """The agent's history as the framework holds it: its instructions, then the turns."""
    ctx = ChatContext.empty()
    ctx.add_message(role="system", content=[controller.current_instructions()])
    for i, text in enumerate(turns):
        ctx.add_message(role="assistant" if i % 2 == 0 else "user", content=[text])
    return ctx


def _messages(prompt: ChatContext) -> list[tuple[str, str]]:
    return [(m.role, m.text_content or "") for m in prompt.messages()]


def test_stable_part_first_stage_part_last_conversation_between(tmp_path):
    controller = _controller(tmp_path)
    controller.begin()
    prompt = controller.prompt_for_reply(_history(controller, "Hi Ada, ready?", "Yes."))
    messages = _messages(prompt)
    assert messages[0] == ("system", controller.stable_prompt)
    assert messages[1:3] == [("assistant", "Hi Ada, ready?"), ("user", "Yes.")]
    assert messages[-1] == ("system", controller.stage_prompt())
    assert "What you are doing now" in messages[-1][1]
    assert "What you are doing now" not in messages[0][1]
    # every document any stage uses is in the stable part, fenced, once
    assert messages[0][1].count("<<<BEGIN_CANDIDATE_DATA RESUME>>>") == 1
    assert "<<<BEGIN_CANDIDATE_DATA JOB_DESCRIPTION>>>" in messages[0][1]
    assert RESUME.split(".")[0] not in messages[-1][1]


def test_the_stable_part_is_identical_across_turns_and_a_stage_change(tmp_path):
    controller = _controller(tmp_path)
    controller.begin()
    first = controller.prompt_for_reply(_history(controller, "Hi Ada, ready?", "Yes."))
    greeting_part = controller.stage_prompt()
    controller._record_transition(controller.fsm.skip())
    # the agent's own instructions were updated with the stage: the layout does not care
    later = _history(controller, "Hi Ada, ready?", "Yes.", "Tell me about you.", "I build.")
    second = controller.prompt_for_reply(later)
    assert _messages(first)[0] == _messages(second)[0]
    assert _messages(second)[-1][1] != greeting_part
    assert "use the RESUME block" in _messages(second)[-1][1]  # self_intro uses the resume
    # the whole of the first prompt but its stage part is the start of the second
    assert _messages(second)[: len(_messages(first)) - 1] == _messages(first)[:-1]


def test_an_old_copy_of_the_whole_instructions_is_dropped_one_off_instructions_kept(tmp_path):
    controller = _controller(tmp_path)
    controller.begin()
    history = _history(controller, "Hi Ada, ready?", "Yes.")
    history.add_message(role="system", content=[controller.current_instructions()])
    history.add_message(role="system", content=["Ask your first question on the new topic."])
    messages = _messages(controller.prompt_for_reply(history))
    assert [role for role, _ in messages] == ["system", "assistant", "user", "system", "system"]
    assert messages[3][1] == "Ask your first question on the new topic."


def test_the_share_of_each_prompt_reused_is_written_with_the_turns_figures(tmp_path):
    controller = _controller(tmp_path)
    controller.begin()
    controller.prompt_for_reply(_history(controller))
    controller.record_metrics({"llm_ttft": 0.5})
    controller.prompt_for_reply(_history(controller, "Hi Ada, ready?", "Yes."))
    controller.record_metrics({"llm_ttft": 0.4})
    first, second = [e for e in read_events(tmp_path / "events.jsonl") if e["type"] == "metrics"]
    assert "prompt_prefix_reused" not in first  # nothing before the first prompt
    assert 0.5 < second["prompt_prefix_reused"] < 1.0


def test_prefix_share_counts_the_common_start_over_the_new_prompt():
    assert prefix_share("abcdef", "abcxyz") == 0.5
    assert prefix_share("", "abc") == 0.0
    assert prefix_share("abc", "abc") == 1.0
    meter = PrefixMeter()
    assert meter.measure("abcd") is None
    assert meter.measure("abcdefgh") == 0.5


def test_serialize_is_what_an_openai_compatible_server_receives():
    ctx = ChatContext.empty()
    ctx.add_message(role="system", content=["Be brief."])
    ctx.add_message(role="user", content=["Hello"])
    sent = json.loads(serialize(ctx))
    assert [m["role"] for m in sent] == ["system", "user"]
    assert sent[1]["content"] == "Hello"
