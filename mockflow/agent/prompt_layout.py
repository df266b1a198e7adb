"""The prompt's layout, kept for the providers' prompt caches, and how much of it they reuse.

llama.cpp's server, Ollama and OpenAI reuse the longest common prefix of consecutive
prompts. So every prompt is laid out as: the stable instructions (the same for the whole
interview) as the first system message, then the conversation, then the current stage's
part as the last system message, just before the reply. A stage change then costs only
the last message, not the whole prompt.
"""

from __future__ import annotations

import json
import os

from livekit.agents import ChatContext, ChatMessage
from livekit.agents.llm import ChatItem
from livekit.agents.voice.generation import INSTRUCTIONS_MESSAGE_ID

STAGE_MESSAGE_ID = "mockflow.stage"


def lay_out(chat_ctx: ChatContext, stable: str, stage: str) -> ChatContext:
    """A copy of `chat_ctx` laid out for the cache: `stable` first, `stage` last.

    Any earlier copy of the whole instructions (a system message that starts with
    `stable`) or of a stage part is dropped; other system messages (a one-off
    instruction for this reply) stay where they are, before the stage part.
    """
    laid = chat_ctx.copy()
    items: list[ChatItem] = []
    have_stable = False
    for item in laid.items:
        if isinstance(item, ChatMessage) and item.role in ("system", "developer"):
            if item.id == INSTRUCTIONS_MESSAGE_ID or (not items and not have_stable):
                # replaced, not edited: a copy shares its messages with the history
                others = [part for part in item.content if not isinstance(part, str)]
                item = item.model_copy(update={"content": [stable, *others]})
                have_stable = True
            elif item.id == STAGE_MESSAGE_ID or (item.text_content or "").startswith(stable):
                continue
        items.append(item)
    if not have_stable:
        items.insert(0, ChatMessage(id=INSTRUCTIONS_MESSAGE_ID, role="system", content=[stable]))
    items.append(ChatMessage(id=STAGE_MESSAGE_ID, role="system", content=[stage]))
    laid.items = items
    return laid


def serialize(chat_ctx: ChatContext) -> str:
    """The messages as an OpenAI-compatible server receives them (JSON), for comparing."""
    messages, _ = chat_ctx.to_provider_format("openai")
    return json.dumps(messages, ensure_ascii=False, default=str)


def prefix_share(previous: str, current: str) -> float:
    """The share of `current` (0..1, in characters) that starts as `previous` does."""
    if not current:
        return 0.0
    return len(os.path.commonprefix([previous, current])) / len(current)


class PrefixMeter:
    """The share of each prompt reused from the one before it; None for the first."""

    def __init__(self) -> None:
        self._previous: str | None = None

    def measure(self, prompt: str) -> float | None:
        previous, self._previous = self._previous, prompt
        return None if previous is None else round(prefix_share(previous, prompt), 3)
