"""Which providers are offered the complete_stage tool, and that the instructions of a
model without it never mention the tool."""

from __future__ import annotations

import json

import pytest

from mockflow.agent.controller import InterviewController
from mockflow.agent.stage_tool import offers_stage_tool
from mockflow.contracts.events import EventWriter
from mockflow.contracts.launch_spec import LLMProvider, parse_launch_spec
from mockflow.interview.fsm import build_fsm

LOCAL = "http://127.0.0.1:8011/v1"


@pytest.mark.parametrize(
    ("base_url", "tool_calls", "offered"),
    [
        (None, None, True),  # OpenAI itself
        (LOCAL, None, False),  # llama.cpp, Ollama: they write calls as text
        (LOCAL, True, True),  # the app knows this server calls tools
        (None, False, False),
    ],
)
def test_the_tool_is_offered_to_openai_unless_the_spec_says_otherwise(
    base_url, tool_calls, offered
):
    provider = LLMProvider(api_key="k", base_url=base_url, tool_calls=tool_calls)
    assert offers_stage_tool(provider) is offered


def _controller(tmp_path, llm: dict) -> InterviewController:
    spec = parse_launch_spec(
        json.dumps(
            {
                "session_id": "iv_tool",
                "session_dir": str(tmp_path),
                "candidate": {"name": "Ada", "role": "Engineer"},
                "providers": {"llm": {"api_key": "k", **llm}},
            }
        )
    )
    return InterviewController(spec, build_fsm("behavioral"), EventWriter(tmp_path / "e.jsonl"))


def test_instructions_name_the_tool_only_to_a_model_offered_it(tmp_path):
    local = _controller(tmp_path, {"base_url": LOCAL})
    local.begin()
    assert "complete_stage" not in local.current_instructions()
    assert "tool" not in local.current_instructions().split("What you are doing now")[1]
    openai = _controller(tmp_path / "o", {})
    openai.begin()
    assert "call the complete_stage tool" in openai.current_instructions()
