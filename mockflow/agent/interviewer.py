"""The interviewer `Agent`: its instructions come from the controller, and its one tool asks
the FSM to finish the current topic. In voice mode a spoken answer reaches the transport's
`on_answer` hook before the reply to it is generated."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from livekit.agents import Agent, ChatContext, ChatMessage, RunContext, function_tool

if TYPE_CHECKING:
    from mockflow.agent.controller import InterviewController

AnswerHook = Callable[[ChatContext, ChatMessage], Awaitable[None]]


class InterviewerAgent(Agent):
    def __init__(self, controller: InterviewController, on_answer: AnswerHook | None = None):
        super().__init__(instructions=controller.current_instructions())
        self._controller = controller
        self._on_answer = on_answer

    async def on_user_turn_completed(self, turn_ctx: ChatContext, new_message: ChatMessage) -> None:
        """A spoken turn ended; the hook may edit the reply's context or raise StopResponse."""
        if self._on_answer is not None:
            await self._on_answer(turn_ctx, new_message)

    @function_tool
    async def complete_stage(self, context: RunContext) -> str:
        """Finish the current topic of the interview and move on to the next one.

        Call this when the current topic has been covered, instead of asking another
        question on it. The result tells you how to continue.
        """
        return await self._controller.complete_stage_requested()
