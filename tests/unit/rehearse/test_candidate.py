"""The simulated candidate's moves: answers by stage, interjections, silence, early exit."""

from __future__ import annotations

from mockflow.rehearse.candidate import LLMCandidate, Move, ScriptedCandidate
from mockflow.rehearse.personas import load_material, load_persona


def play(name: str, stages: list[str]) -> list[Move]:
    candidate = ScriptedCandidate(load_persona(name))
    return [candidate.next_move({"role": "interviewer", "stage": s, "text": "?"}) for s in stages]


def test_prepared_answers_from_the_stage_of_the_question():
    persona = load_persona("prepared")
    moves = play("prepared", ["greeting", "past_experience", "past_experience", "closing"])
    assert [m.text for m in moves] == [
        persona.answer("greeting", 0),
        persona.answer("past_experience", 0),
        persona.answer("past_experience", 1),
        persona.answer("closing", 0),
    ]
    assert not any(m.end for m in moves)


def test_thinker_asks_for_a_moment_before_every_answer():
    moves = [m.text for m in play("thinker", ["greeting"] * 4)]
    persona = load_persona("thinker")
    assert moves[0] in persona.interjections and moves[2] in persona.interjections
    assert moves[1] == persona.answer("greeting", 0)


def test_clarifier_asks_to_hear_every_second_question_again():
    persona = load_persona("clarifier")
    moves = [m.text for m in play("clarifier", ["self_intro"] * 5)]
    assert [m in persona.interjections for m in moves] == [False, True, False, False, True]


def test_early_exit_asks_to_stop_after_two_answers_then_ends():
    persona = load_persona("early_exit")
    moves = play("early_exit", ["greeting", "self_intro", "past_experience", "past_experience"])
    assert [m.text for m in moves[:3]] == [
        persona.answer("greeting", 0),
        persona.answer("self_intro", 0),
        persona.end_request,
    ]
    assert moves[3] == Move(end=True)


def test_silent_sends_an_ellipsis_never_an_empty_answer():
    assert {m.text for m in play("silent", ["greeting", "self_intro", "closing"])} == {"…"}
    assert load_persona("silent").nudge == "…"


class Scripted:
    """An in-memory ChatModel returning queued replies and keeping the requests."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.requests: list[list[dict]] = []

    def complete(self, messages, *, json_mode=False):
        self.requests.append(messages)
        return self.replies.pop(0)


def test_a_model_plays_the_description_with_the_transcript_as_the_conversation():
    chat = Scripted("I build payment systems.", "   ")
    candidate = LLMCandidate(load_persona("terse"), load_material(), chat)
    greeting = {"role": "interviewer", "stage": "greeting", "text": "Hi! Ready?"}
    assert candidate.next_move(greeting, [greeting]) == Move("I build payment systems.")
    answer = {"role": "candidate", "stage": "greeting", "text": "I build payment systems."}
    question = {"role": "interviewer", "stage": "self_intro", "text": "Tell me more?"}
    assert candidate.next_move(question, [greeting, answer, question]) == Move("…")
    system, *rest = chat.requests[1]
    assert load_persona("terse").description in system["content"]
    assert "Sam Rivera" in system["content"] and "Kafka" in system["content"]
    assert [(m["role"], m["content"]) for m in rest] == [
        ("user", "Hi! Ready?"),
        ("assistant", "I build payment systems."),
        ("user", "Tell me more?"),
    ]


def test_a_model_candidate_keeps_the_scripted_early_exit():
    chat = Scripted("One.", "Two.")
    candidate = LLMCandidate(load_persona("early_exit"), load_material(), chat)
    turn = {"role": "interviewer", "stage": "self_intro", "text": "Why?"}
    moves = [candidate.next_move(turn, [turn]) for _ in range(4)]
    assert [m.text for m in moves[:3]] == ["One.", "Two.", load_persona("early_exit").end_request]
    assert moves[3].end and len(chat.requests) == 2
