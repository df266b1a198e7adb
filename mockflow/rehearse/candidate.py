"""The simulated candidate: from the interviewer's last turn to the candidate's next move.

`ScriptedCandidate` plays a persona file deterministically: the answer comes from the
stage of the interviewer's last turn (cycling through that stage's list), an interjection
from the persona (asking to repeat, to think, for a score) goes first as its own turn
where the persona says so, and `ask_to_end_after` answers are followed by the persona's
`end_request` and then the end of the interview. `LLMCandidate` lets a model play the
persona's description instead (`--candidate-model`); the early exit stays scripted, so
every persona keeps its shape, and an empty model reply is sent as "…" because the app
and the agent refuse empty answers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from mockflow.interview import prompts
from mockflow.rehearse.chat import ChatModel
from mockflow.rehearse.personas import Material, Persona

SILENCE = "…"
Turn = Mapping[str, Any]


@dataclass(frozen=True)
class Move:
    """What the candidate does next: say `text`, or end the interview."""

    text: str = ""
    end: bool = False


class Candidate(Protocol):
    persona: Persona

    def next_move(self, turn: Turn, transcript: Sequence[Turn]) -> Move: ...


class ScriptedCandidate:
    """A persona played from its file; see the module docstring."""

    def __init__(self, persona: Persona) -> None:
        self.persona = persona
        self._exit = EarlyExit(persona)
        self._by_stage: Counter[str] = Counter()
        self._interjections = 0
        self._interjected = False

    def next_move(self, turn: Turn, transcript: Sequence[Turn] = ()) -> Move:
        if (exit_move := self._exit.due()) is not None:
            return exit_move
        persona = self.persona
        answers = self._exit.answers
        due = persona.interject_every and (answers + 1) % persona.interject_every == 0
        if due and not self._interjected:
            self._interjected = True
            line = persona.interjections[self._interjections % len(persona.interjections)]
            self._interjections += 1
            return Move(line)
        self._interjected = False
        stage = str(turn.get("stage") or "closing")
        text = persona.answer(stage, self._by_stage[stage])
        self._by_stage[stage] += 1
        self._exit.answers += 1
        return Move(text)


class LLMCandidate:
    """A persona played by a model from its description and the transcript so far."""

    def __init__(self, persona: Persona, material: Material, chat: ChatModel) -> None:
        self.persona = persona
        self._chat = chat
        self._exit = EarlyExit(persona)
        self._system = prompts.render(
            "rehearsal_candidate",
            candidate_name=material.name,
            level=material.level,
            role=material.role,
            description=persona.description,
            resume=persona.resume or material.resume,
        )

    def next_move(self, turn: Turn, transcript: Sequence[Turn] = ()) -> Move:
        if (exit_move := self._exit.due()) is not None:
            return exit_move
        messages: list[dict[str, Any]] = [{"role": "system", "content": self._system}]
        for item in transcript:
            role = "user" if item.get("role") == "interviewer" else "assistant"
            messages.append({"role": role, "content": str(item.get("text", ""))})
        if not transcript or transcript[-1] is not turn:
            messages.append({"role": "user", "content": str(turn.get("text", ""))})
        text = self._chat.complete(messages).strip()
        self._exit.answers += 1
        return Move(text or SILENCE)


class EarlyExit:
    """A persona's `ask_to_end_after`: after that many answers, the request, then the end."""

    def __init__(self, persona: Persona) -> None:
        self.persona = persona
        self.answers = 0
        self._asked = False

    def due(self) -> Move | None:
        if self._asked:
            return Move(end=True)
        if self.persona.ask_to_end_after and self.answers >= self.persona.ask_to_end_after:
            self._asked = True
            return Move(self.persona.end_request)
        return None


def make_candidate(
    persona: Persona, material: Material, chat: ChatModel | None = None
) -> ScriptedCandidate | LLMCandidate:
    return LLMCandidate(persona, material, chat) if chat is not None else ScriptedCandidate(persona)
