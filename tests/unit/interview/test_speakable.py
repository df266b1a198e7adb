"""What a model wrote, made speakable: tool calls written as text taken out (and named),
JSON, code, reasoning, tags and chat-template tokens removed, markdown unwrapped."""

from __future__ import annotations

import pytest

from mockflow.interview.markup import markup_kinds
from mockflow.interview.speakable import TextCall, speakable

TOOLS = ("complete_stage",)
SEEN_FROM_QWEN = (
    '```json\n{"name": "complete_stage", "arguments": {"summary": "Greeted Alex."}}\n```'
)


def test_the_tool_call_a_small_model_wrote_as_its_turn_is_the_call_and_nothing_to_say():
    result = speakable(SEEN_FROM_QWEN, TOOLS)
    assert result.text == ""
    assert result.calls == (TextCall("complete_stage", {"summary": "Greeted Alex."}),)


@pytest.mark.parametrize(
    "written",
    [
        '{"name": "complete_stage", "arguments": {}}',
        '{"function": "complete_stage"}',
        '{"tool": "complete_stage", "args": {}}',
        '{"function": {"name": "complete_stage", "arguments": "{}"}}',
        '{"tool_calls": [{"function": {"name": "complete_stage", "arguments": "{}"}}]}',
        '<tool_call>\n{"name": "complete_stage", "arguments": {}}\n</tool_call>',
        '<function=complete_stage>{"summary": "done"}</function>',
        '[TOOL_CALLS] [{"name": "complete_stage", "arguments": {}}]',
        'functions.complete_stage: {"summary": "done"}',
        "complete_stage()",
        "I'll call complete_stage() now.",
        '{"name": "complete_stage", "arguments": {"summary": "cut off mid',
    ],
)
def test_every_common_way_of_writing_the_call_is_the_call(written):
    result = speakable(f"Thanks, that helps. {written}", TOOLS)
    assert [call.name for call in result.calls] == ["complete_stage"]
    assert result.text == "Thanks, that helps."
    assert markup_kinds(result.text) == []


def test_a_call_to_a_tool_that_does_not_exist_is_removed_but_not_taken():
    result = speakable('{"name": "end_interview", "arguments": {}} What next?', TOOLS)
    assert result == speakable("What next?", TOOLS)
    assert result.calls == ()


def test_json_that_is_not_a_tool_call_is_removed_or_gives_its_spoken_line():
    assert speakable('Noted. {"score": 4, "notes": "clear"} Why?', TOOLS).text == "Noted. Why?"
    assert speakable('{"question": "What did you learn?"}', TOOLS).text == "What did you learn?"


def test_chat_template_tokens_end_the_turn_and_what_follows_is_not_said():
    result = speakable("How are you?<|im_end|>\n<|im_start|>user\nFine, thanks", TOOLS)
    assert result.text == "How are you?" and result.stopped
    written_for_the_candidate = speakable("Tell me more.\nCandidate: Sure, I led it.", TOOLS)
    assert written_for_the_candidate.text == "Tell me more."


def test_tags_are_unwrapped_and_reasoning_removed():
    assert speakable("<answer>Tell me more.</answer>", TOOLS).text == "Tell me more."
    assert speakable("<think>the user wants</think>What went wrong?", TOOLS).text == (
        "What went wrong?"
    )


def test_markdown_becomes_plain_spoken_words():
    written = "## Next\n**Question:** What did you build?\n- latency\n- cost\n`dict` or *list*?"
    assert speakable(written, TOOLS).text == (
        "Next. What did you build? latency. cost. dict or list?"
    )


def test_a_stage_direction_between_sentences_is_not_said():
    # seen from Qwen2.5-Coder-0.5B as a whole greeting
    assert speakable("(Alex Kim joined.)", TOOLS).text == ""
    assert speakable("Hi Alex. (smiles) How are you?", TOOLS).text == "Hi Alex. How are you?"


def test_code_in_a_fence_is_not_read_out_but_fenced_prose_is():
    assert speakable("```python\ndef f(): return 1\n```\nWhat does f return?", TOOLS).text == (
        "What does f return?"
    )
    assert speakable("```\nWhat did you learn?\n```", TOOLS).text == "What did you learn?"


def test_spoken_prose_is_left_as_it_is():
    prose = "That took 3.5 years, about 5 * 3 sprints - why so long? Tell me (briefly)."
    assert speakable(prose, TOOLS).text == prose
