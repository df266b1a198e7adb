"""A scripted stand-in for the interviewer LLM, used as a `FakeOpenAI` responder.

It reads the request the real plugin sends (system prompt, history, tool results) and
answers like a disciplined interviewer: one question per turn drawn from the stage that
the system prompt describes, and a `complete_stage` call after `answers_per_stage`
answers. It calls the tool at most once per new candidate message, as a real model
does; after a refusal it asks another question. With `per_conversation`, what it has
already asked is read from each request's history instead of kept on the instance, so
one server can hold many interviews at once (rehearsals).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mockflow.interview.fsm import TRACK_NAMES, load_track
from tests.fakes.openai_server import Reply, text, tool

QUESTIONS = {
    "greeting": ["Hi, thanks for joining me today. Are you ready to get started?"],
    "self_intro": [
        "Could you walk me through your background in a couple of minutes?",
        "What are you working on day to day right now?",
    ],
    "past_experience": [
        "Tell me about a project you owned from start to finish. What was it?",
        "What was the hardest decision you made on it, and what did you weigh?",
        "How did it turn out, and how did you know?",
        "What would you do differently if you started it again?",
    ],
    "company_fit": [
        "What draws you to this role in particular?",
        "Can you give me an example of feedback you received and what you did with it?",
        "What would you want to achieve in your first few months here?",
    ],
    "closing": [
        "Thanks, that covers what I wanted to ask. Do you have any questions for me?",
        "Good question; the hiring team will follow up with details on that. Anything else?",
    ],
}
WELCOME_BACK_CUE = "welcome them back"  # the agent's instruction after a re-join
GOODBYE = "Thank you for your time today, it was great talking with you. Goodbye!"


def stage_of(system_prompt: str) -> str | None:
    """Which stage a system prompt describes (by the stage goal it contains)."""
    for name in TRACK_NAMES:
        for stage in load_track(name).stages:
            if stage.goal in system_prompt:
                return stage.name
    return None


def _content(message: dict) -> str:
    content = message.get("content") or ""
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content


@dataclass
class ScriptedInterviewer:
    answers_per_stage: int = 2
    use_tools: bool = True
    per_conversation: bool = False
    delay: float = 0.0  # seconds before each reply's first token, as a real model takes
    asked: list[str] = field(default_factory=list)
    tool_calls: int = 0

    def __call__(self, body: dict) -> Reply:
        reply = self._reply(body)
        reply.delay = self.delay
        return reply

    def _reply(self, body: dict) -> Reply:
        messages = body.get("messages", [])
        system = "\n".join(
            _content(m) for m in messages if m.get("role") in {"system", "developer"}
        )
        if "has now ended" in system:
            return text(GOODBYE)
        # the one-off instruction may sit before the stage's part of the prompt (prompt_layout)
        cued = any(WELCOME_BACK_CUE in _content(m) for m in messages[-3:])
        if cued and self.asked:
            return text(f"Welcome back. {self.asked[-1]}")
        stage = stage_of(system) or "closing"
        # the stage's part of the prompt may come after the conversation (prompt_layout)
        said = [m for m in messages if m.get("role") not in {"system", "developer"}]
        last = said[-1] if said else {}
        wants_tool = self.use_tools and last.get("role") == "user" and body.get("tools")
        if wants_tool and self._answers_since_tool(messages) >= self.answers_per_stage:
            self.tool_calls += 1
            return tool("complete_stage")
        if self.per_conversation:
            asked = [_content(m) for m in messages if m.get("role") == "assistant"]
            return text(_next_question(stage, asked))
        return text(self._question(stage))

    def _answers_since_tool(self, messages: list[dict]) -> int:
        count = 0
        for message in reversed(messages):
            if message.get("role") == "tool" or message.get("tool_calls"):
                break
            if message.get("role") == "user":
                count += 1
        return count

    def _question(self, stage: str) -> str:
        question = _next_question(stage, self.asked)
        self.asked.append(question)
        return question


def _next_question(stage: str, asked: list[str]) -> str:
    for question in QUESTIONS[stage]:
        if question not in asked:
            return question
    n = sum(1 for q in asked if q.startswith("One more"))
    return f"One more on this: what else should I know about that ({n + 1})?"
