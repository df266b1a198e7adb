"""A stand-in for `AgentSession` where the controller only needs replies: each
`generate_reply` takes the next scripted outcome (a text, or the error the reply failed
with, as `SpeechHandle.exception()` reports it); `say` commits its text as the
interviewer's turn, as the real session does in text mode."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Generator
from types import SimpleNamespace
from typing import Any

from livekit.agents import ChatMessage


class Handle:
    def __init__(self, error: BaseException | None) -> None:
        self.interrupted = False
        self._error = error

    def exception(self) -> BaseException | None:
        return self._error

    def __await__(self) -> Generator[None, None, Handle]:
        if False:  # a generator that is done at once
            yield
        return self


class ReplySession:
    def __init__(self) -> None:
        self.outcomes: deque[str | BaseException] = deque()
        self.requests: list[dict[str, Any]] = []  # the kwargs of each generate_reply
        self.said: list[str] = []
        self.usage = SimpleNamespace(model_usage=[])
        self._handlers: dict[str, list[Callable[[Any], None]]] = {}

    def script(self, *outcomes: str | BaseException) -> None:
        self.outcomes.extend(outcomes)

    def on(self, event: str, handler: Callable[[Any], None]) -> None:
        self._handlers.setdefault(event, []).append(handler)

    def generate_reply(self, **kwargs: Any) -> Handle:
        self.requests.append(kwargs)
        outcome = self.outcomes.popleft()
        if isinstance(outcome, BaseException):
            return Handle(outcome)
        self._commit(outcome)
        return Handle(None)

    def interrupt(self, **kwargs: Any) -> asyncio.Future[None]:
        """Nothing is ever under way here: done at once."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    async def say(self, text: str, **kwargs: Any) -> Handle:
        self.said.append(text)
        self._commit(text)
        return Handle(None)

    def _commit(self, text: str) -> None:
        item = ChatMessage(role="assistant", content=[text])
        for handler in self._handlers.get("conversation_item_added", []):
            handler(SimpleNamespace(item=item))
