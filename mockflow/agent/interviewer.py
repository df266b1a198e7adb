"""The interviewer `Agent`: its instructions come from the controller, and its one tool asks
the FSM to finish the current topic."""

from __future__ import annotations

from typing import TYPE_CHECKING

from livekit.agents import Agent, RunContext, function_tool

if TYPE_CHECKING:
    from mockflow.agent.controller import InterviewController


class InterviewerAgent(Agent):
    def __init__(self, controller: InterviewController) -> None:
        super().__init__(instructions=controller.current_instructions())
        self._controller = controller

    @function_tool
    async def complete_stage(self, context: RunContext) -> str:
        """Finish the current topic of the interview and move on to the next one.

        Call this when the current topic has been covered, instead of asking another
        question on it. The result tells you how to continue.
        """
        return await self._controller.complete_stage_requested()
