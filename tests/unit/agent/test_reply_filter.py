"""The filter between the model's stream and what is shown, committed and spoken: prose
passes a sentence at a time, anything that may be markup waits until it can be judged,
a tool call written as text comes out as a call, however the stream is cut."""

from __future__ import annotations

import random

import pytest
from livekit.agents import ChatContext

from mockflow.agent.reply_filter import ReplyFilter, turn_rules
from mockflow.interview.markup import markup_kinds
from mockflow.interview.prompts import data_block
from mockflow.interview.speakable import TextCall

TOOLS = ("complete_stage",)
QWEN = '```json\n{"name": "complete_stage", "arguments": {"summary": "Greeted Alex."}}\n```'
CALL = TextCall("complete_stage", {"summary": "Greeted Alex."})

SMALL_MODEL_REPLIES = {
    "the call alone (seen from Qwen2.5-Coder-0.5B)": (QWEN, [CALL], ""),
    "prose then the call": (
        f"Thanks for sharing that, Alex. {QWEN}",
        ["Thanks for sharing that, Alex.", CALL],
        "Thanks for sharing that, Alex.",
    ),
    "the call then prose": (
        f"{QWEN}\nCould you tell me about yourself?",
        [CALL, "Could you tell me about yourself?"],
        "Could you tell me about yourself?",
    ),
    "tool-call tags": (
        '<tool_call>\n{"name": "complete_stage", "arguments": {}}\n</tool_call>',
        [TextCall("complete_stage", {})],
        "",
    ),
    "a chat-template end token and the candidate's part": (
        "What did you build last year?<|im_end|>\n<|im_start|>user\nA website.",
        ["What did you build last year?"],
        "What did you build last year?",
    ),
    "a markdown list of questions": (
        "**Great answer!** Here are my questions:\n1. What did you learn?\n2. What next?",
        None,
        "Here are my questions: What did you learn?",
    ),
    "JSON that is not a tool call": (
        '{"feedback": "clear answer", "score": 4}\nWhat did you do next?',
        ["What did you do next?"],
        "What did you do next?",
    ),
}


def _run(reply: str, cuts: list[int]) -> list:
    filt = ReplyFilter(TOOLS)
    out: list = []
    for start, end in zip([0, *cuts], [*cuts, len(reply)], strict=True):
        out += filt.feed(reply[start:end])
    return out + filt.finish()


def _said(pieces: list) -> str:
    return "".join(p for p in pieces if isinstance(p, str))


@pytest.mark.parametrize("case", SMALL_MODEL_REPLIES)
def test_realistic_small_model_replies_leave_only_spoken_words(case):
    reply, pieces, said = SMALL_MODEL_REPLIES[case]
    out = _run(reply, [])
    if pieces is not None:
        assert out == pieces
    assert _said(out) == said
    assert markup_kinds(_said(out)) == []


@pytest.mark.parametrize("case", SMALL_MODEL_REPLIES)
def test_any_cut_of_the_stream_gives_the_same_words_and_calls(case):
    reply = SMALL_MODEL_REPLIES[case][0]
    whole = _run(reply, [])
    for seed in range(20):
        rng = random.Random(seed)
        cuts = sorted(rng.sample(range(1, len(reply)), k=min(len(reply) - 1, rng.randint(1, 40))))
        out = _run(reply, cuts)
        assert _said(out) == _said(whole), cuts
        assert [p for p in out if isinstance(p, TextCall)] == [
            p for p in whole if isinstance(p, TextCall)
        ]
    one_char_at_a_time = _run(reply, list(range(1, len(reply))))
    assert _said(one_char_at_a_time) == _said(whole)


def test_clean_prose_passes_a_sentence_at_a_time_before_the_reply_ends():
    filt = ReplyFilter(TOOLS)
    assert filt.feed("Thanks for joining, Ana") == []
    assert filt.feed(". I'm Sam from the hiring team. Ready") == [
        "Thanks for joining, Ana.",
        " I'm Sam from the hiring team.",
    ]
    assert filt.finish() == [" Ready"]


def test_a_possible_marker_is_held_until_it_can_be_judged():
    filt = ReplyFilter(TOOLS)
    assert filt.feed("I see. ") == ["I see."]
    assert filt.feed("How did it go?<|im_") == []  # may be the end token, split in two
    assert filt.feed("end|>\n<|im_start|>user\nWell.") == [" How did it go?"]
    assert filt.feed(" More words the model wrote for the candidate.") == []


def test_a_call_split_across_chunks_inside_its_name_is_still_the_call():
    pieces = ['{"na', 'me": "complete_', 'stage", "argu', 'ments": {}}', " Why?"]
    filt = ReplyFilter(TOOLS)
    out = [p for piece in pieces for p in filt.feed(piece)] + filt.finish()
    assert out == [TextCall("complete_stage", {}), "Why?"]


def test_the_rules_run_over_the_stream_and_carry_over_a_second_generation():
    filt = ReplyFilter(TOOLS)
    out = filt.feed("Great answer! Let's move on to the next stage. ")
    out += filt.finish()
    assert out == []
    out = filt.feed("What brought you to this role? And why now?") + filt.finish()
    assert _said(out) == "What brought you to this role?"
    assert filt.rules.asked


DEBRIS = [
    "Thanks for sharing. ",
    "What did you build? ",
    QWEN,
    '<tool_call>{"name":"complete_stage"}</tool_call>',
    "functions.complete_stage: {}",
    "**Bold** text here. ",
    "## Heading\n",
    "- item one\n",
    "1. first\n",
    "<|im_end|>",
    '{"score": 5} ',
    "<answer>ok</answer> ",
    "`code` ",
    "[link](http://x) ",
    "complete_stage() ",
    "> quote\n",
    "<think>hmm</think>",
    "Stage 2: ",
    "Great answer! ",
    "\n\n",
    "~~~\ncode;\n~~~\n",
    '{"function": {"name": "complete_stage"}} ',
    "*italic* word. ",
    "<|eot_id|>",
    '[TOOL_CALLS] [{"name":"complete_stage","arguments":{}}]',
]


def test_whatever_debris_a_small_model_mixes_in_nothing_said_holds_markup():
    for seed in range(500):
        rng = random.Random(seed)
        reply = "".join(rng.choice(DEBRIS) for _ in range(rng.randint(1, 8)))
        cuts = sorted(rng.sample(range(1, len(reply)), k=min(len(reply) - 1, 10)))
        assert markup_kinds(_said(_run(reply, cuts))) == [], reply


SUGGESTED = "Which piece of your recent work are you proudest of, and why?"


def test_a_reply_may_ask_a_question_it_was_given_as_written_but_not_recite_the_rest():
    coach = "What broke in your last database migration and why?"
    prompt = ChatContext.empty()
    prompt.add_message(
        role="system",
        content=f"Ask exactly one question per turn, in plain spoken language, no lists.\n"
        f"{data_block('resume', 'Acme Payments 2021-now: led the migration of the ledger')}\n"
        f"{data_block('coach question', coach)}\n"
        f"{data_block('suggested question', SUGGESTED)}",
    )
    prompt.add_message(role="user", content="I led the payments migration at Acme last year.")
    filt = ReplyFilter(TOOLS, turn_rules(prompt))
    out = filt.feed("Ask exactly one question per turn, in plain spoken language, no lists. ")
    out += filt.feed("You led the payments migration at Acme last year. ")
    out += filt.feed("Acme Payments 2021-now: led the migration of the ledger. ")
    out += filt.feed(coach) + filt.finish()
    assert _said(out) == coach
    filt = ReplyFilter(TOOLS, turn_rules(prompt))
    assert _said(filt.feed(SUGGESTED) + filt.finish()) == SUGGESTED


def test_a_question_still_held_back_counts_as_asked():
    filt = ReplyFilter(TOOLS)
    assert filt.feed("The team is eight people.") == []  # no boundary after it yet
    assert not filt.asks()
    filt.feed(" Anything else?")  # the first sentence goes; the question is held back
    assert filt.said == "The team is eight people." and filt.asks()
