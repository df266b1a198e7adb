"""Which kinds of markup an interviewer's turn holds; clean spoken prose holds none."""

from __future__ import annotations

import pytest

from mockflow.interview.markup import markup_kinds

SEEN_FROM_QWEN = (
    '```json\n{"name": "complete_stage", "arguments": {"summary": "Greeted Alex."}}\n```'
)


@pytest.mark.parametrize(
    "text",
    [
        "Hi Alex, thanks for joining. How are you doing today?",
        "Tell me about a time you disagreed with a teammate - what happened?",
        "That costs 5 * 3 hours, roughly; what would you cut first?",
        "Sure. I'd say the role is about 60% backend work. Anything else?",
        "What's the difference between a list and a tuple in Python?",
        "",
    ],
)
def test_spoken_prose_has_no_markup(text):
    assert markup_kinds(text) == []


def test_the_tool_call_a_small_model_wrote_as_its_turn_is_tool_json_in_a_fence():
    assert markup_kinds(SEEN_FROM_QWEN) == ["tool_json", "code_fence"]


@pytest.mark.parametrize(
    "text",
    [
        'Thanks. {"name": "complete_stage", "arguments": {}}',
        '{"function": "complete_stage"}',
        '{"tool": "complete_stage", "args": {"summary": "done"}}',
        '[{"name": "complete_stage", "parameters": {}}]',
        '{"name": "complete_stage", "arguments": {"summary": "cut off',
    ],
)
def test_json_naming_a_tool_is_tool_json(text):
    assert markup_kinds(text) == ["tool_json"]


def test_tool_call_tags_are_tool_tag_not_plain_xml():
    text = '<tool_call>\n{"name": "complete_stage", "arguments": {}}\n</tool_call>'
    assert markup_kinds(text) == ["tool_json", "tool_tag"]


@pytest.mark.parametrize(
    "text", ["functions.complete_stage: {}", "Let me call complete_stage() now."]
)
def test_a_call_written_as_code_is_functions_call(text):
    assert "functions_call" in markup_kinds(text)


def test_json_that_is_not_a_tool_call_is_json():
    assert markup_kinds('Your answer: {"score": 4, "notes": "clear"}') == ["json"]


@pytest.mark.parametrize(
    "text", ["How are you?<|im_end|>", "<answer>Tell me more.</answer>", "Hi</s>"]
)
def test_chat_template_and_xml_tags_are_xml_tag(text):
    assert markup_kinds(text) == ["xml_tag"]


@pytest.mark.parametrize(
    "text",
    [
        "**Question:** What did you build?",
        "## Stage 2\nWhat did you build?",
        "Consider:\n- latency\n- cost",
        "Two things:\n1. latency\n2. cost",
        "Use a `dict` here?",
        "That is *really* the point.",
    ],
)
def test_bold_headings_lists_and_inline_code_are_markdown(text):
    assert markup_kinds(text) == ["markdown"]
