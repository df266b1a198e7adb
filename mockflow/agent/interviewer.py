"""The interviewer `Agent`: its instructions come from the controller, and its one tool asks
the FSM to finish the current topic. In voice mode a spoken answer reaches the transport's
`on_answer` hook before the reply to it is generated.

Every reply passes through `llm_node`, which owns what code can check: the prompt comes
from the controller, the tool is offered only to providers that call tools, and the
model's words reach the turn, the captions and the voice only through a `ReplyFilter`.
A tool call the model wrote as text is taken as the call; a reply left with nothing to
say gets a fallback question from the track. A stage move asked for after the turn's
question gets no second reply (that question waits for its answer), and in the last stage
it is not taken (the interview never ends on a question). In the last stage, once its
question has been answered, a reply that asks nothing is the goodbye and ends the
interview; the goodbye asks nothing.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

from livekit.agents import Agent, ChatContext, ChatMessage, RunContext, ToolError, function_tool
from livekit.agents import llm as lk_llm
from livekit.agents.types import FlushSentinel
from livekit.agents.voice.agent import ModelSettings
from livekit.agents.voice.generation import update_instructions

from mockflow.agent.reply_filter import Piece, ReplyFilter, turn_rules
from mockflow.agent.stage_tool import STAGE_TOOL
from mockflow.interview.fallbacks import Fallbacks
from mockflow.interview.reply_rules import asking_part, says_goodbye
from mockflow.interview.speakable import TextCall

if TYPE_CHECKING:
    from mockflow.agent.controller import InterviewController

log = logging.getLogger("mockflow.agent")

AnswerHook = Callable[[ChatContext, ChatMessage], Awaitable[None]]
Output = lk_llm.ChatChunk | str | FlushSentinel


class InterviewerAgent(Agent):
    def __init__(self, controller: InterviewController, on_answer: AnswerHook | None = None):
        super().__init__(instructions=controller.current_instructions())
        self._controller = controller
        self._on_answer = on_answer
        self._fallbacks = Fallbacks(controller.fsm.track, controller.spec.candidate.name)
        self._turn: ReplyFilter | None = None  # the reply being generated

    async def on_user_turn_completed(self, turn_ctx: ChatContext, new_message: ChatMessage) -> None:
        """A spoken turn ended; the hook may edit the reply's context or raise StopResponse."""
        if self._on_answer is not None:
            await self._on_answer(turn_ctx, new_message)

    @function_tool
    async def complete_stage(self, context: RunContext) -> str | None:
        """Finish the current topic of the interview and move on to the next one.

        Call this when the current topic has been covered, instead of asking another
        question on it. The result tells you how to continue.
        """
        if self._turn is None or not self._turn.asks():
            return await self._controller.complete_stage_requested()
        # the turn's question stands and waits for its answer: no second reply (None asks
        # for none), and the interview does not end on it
        log.info("complete_stage called after a question: the question waits")
        if not self._controller.fsm.last_stage:
            with contextlib.suppress(ToolError):
                await self._controller.complete_stage_requested()
        return None

    async def llm_node(
        self,
        chat_ctx: ChatContext,
        tools: list[lk_llm.Tool],
        model_settings: ModelSettings,
    ) -> AsyncIterator[Output]:
        if not self._controller.offers_tool:
            tools = [tool for tool in tools if tool.id != STAGE_TOOL]
        prompt = self._controller.prompt_for_reply(chat_ctx)
        reply = ReplyFilter((STAGE_TOOL,), turn_rules(prompt))
        reply.rules.goodbye = self._controller.fsm.finished
        self._turn = reply
        moved = False
        called = False  # a real tool call: the framework replies again after running it
        async for out in self._filtered(prompt, tools, model_settings, reply):
            if isinstance(out, TextCall):
                moved = moved or await self._take(out)
                continue
            called = called or bool(isinstance(out, lk_llm.ChatChunk) and out.delta)
            yield out
        if moved and not reply.rules.asked:
            # like a real call's follow-up: the next stage's first question, same turn
            reply.rules.goodbye = self._controller.fsm.finished
            again = chat_ctx.copy()
            update_instructions(again, instructions=self.instructions, add_if_missing=True)
            prompt = self._controller.prompt_for_reply(again)
            async for out in self._filtered(prompt, tools, model_settings, reply):
                if not isinstance(out, TextCall):  # one stage move per turn
                    yield out
        stage = self._controller.fsm.stage
        if not reply.said and not called:
            log.info("reply left empty after filtering: fallback line")
            yield self._fallbacks.next(stage)
        elif reply.said and not called and stage is not None and reply.rules.question_due():
            if _answers_candidate(chat_ctx) and await self._controller.wrap_up_requested():
                log.info("the last stage's reply asked nothing: it is the goodbye")
                if not says_goodbye(reply.said):
                    yield " " + self._fallbacks.next(None)
            else:  # a turn that leaves the candidate nothing to answer: the track asks
                log.info("reply asked nothing: a question from the track added")
                yield " " + asking_part(self._fallbacks.next(stage), said=reply.said)

    async def _filtered(
        self,
        prompt: ChatContext,
        tools: list[lk_llm.Tool],
        model_settings: ModelSettings,
        reply: ReplyFilter,
    ) -> AsyncIterator[Output | TextCall]:
        """One generation through `reply`; real tool calls and usage pass as chunks
        without their text."""
        async for chunk in Agent.default.llm_node(self, prompt, tools, model_settings):
            text = None
            if isinstance(chunk, str):
                text = chunk
            elif isinstance(chunk, lk_llm.ChatChunk):
                delta = chunk.delta
                text = delta.content if delta is not None else None
                if delta is not None and delta.tool_calls:
                    yield chunk.model_copy(
                        update={"delta": delta.model_copy(update={"content": None})}
                    )
                elif chunk.usage is not None:
                    yield chunk.model_copy(update={"delta": None})
            else:
                yield chunk
            if text:
                asked = self._ends_on_a_question(reply)
                for piece in _unless_asked(reply.feed(text), asked):
                    yield piece
        asked = self._ends_on_a_question(reply)
        for piece in _unless_asked(reply.finish(), asked):
            yield piece

    def _ends_on_a_question(self, reply: ReplyFilter) -> bool:
        """Whether a stage move now would end the interview right after the turn's question."""
        return self._controller.fsm.last_stage and reply.asks()

    async def _take(self, call: TextCall) -> bool:
        """Act on a complete_stage the model wrote as text; True if the stage moved."""
        try:
            await self._controller.complete_stage_requested()
        except ToolError:
            log.info("complete_stage written as text: refused")
            return False
        log.info("complete_stage written as text: taken")
        return True


def _unless_asked(pieces: list[Piece], asked: bool) -> list[Piece]:
    """`pieces` without the calls written after the last stage's question (`asked`)."""
    if not asked:
        return pieces
    kept: list[Piece] = [piece for piece in pieces if not isinstance(piece, TextCall)]
    if len(kept) < len(pieces):
        log.info("complete_stage written after the last question: the question waits")
    return kept


def _answers_candidate(chat_ctx: ChatContext) -> bool:
    """Whether the reply answers the candidate's words (not a check-in after a silence or a
    welcome back, which follow the interviewer's own last turn)."""
    for item in reversed(chat_ctx.items):
        if isinstance(item, ChatMessage) and item.role in ("user", "assistant"):
            return item.role == "user"
    return False
