"""The interview controller: glue between the FSM, the event log and the AgentSession.

Code decides when a stage ends (the tool asks, guards answer; timers and question caps
apply between an answer and the reply to it; `skip_stage` applies at once). Every reply
after a stage change is the next stage's first question, in the same turn.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from livekit.agents import (
    AgentSession,
    ChatContext,
    ChatMessage,
    CloseEvent,
    ConversationItemAddedEvent,
    ErrorEvent,
    ToolError,
)

from mockflow.agent.instructions import (
    coach_instructions,
    goodbye_instructions,
    stage_instructions,
)
from mockflow.agent.providers import describe_failure
from mockflow.agent.stage_tool import offers_stage_tool
from mockflow.agent.usage import usage_figures
from mockflow.contracts.events import EventWriter
from mockflow.contracts.launch_spec import LaunchSpec
from mockflow.interview.coach_questions import plan_questions
from mockflow.interview.context import build_context
from mockflow.interview.fsm import InterviewFSM, Transition

log = logging.getLogger("mockflow.agent")

MOVE_ON = (
    "Done. Continue now with your first question on the next topic, as your updated "
    "instructions describe. Do not say that the topic or stage changed."
)
WRAP_UP = "The interview is over. Say your goodbye now, as your updated instructions describe."
SKIPPED = (
    "The candidate chose to move on. Without commenting on it, ask your first question on "
    "the new topic."
)


def record_refusal(events: EventWriter, message: str) -> None:
    """The whole timeline of an interview that cannot begin (no launch spec could be
    read, so no controller exists): the reason as a fatal error, then `ended`."""
    try:
        events.write("error", message=message, fatal=True)
        events.write("ended", reason="error")
    finally:
        events.close()


class InterviewController:
    """Owns the interview's progress for one session, and is the only writer of its
    timeline (`record_refusal` aside, for an interview that never had one)."""

    def __init__(
        self,
        spec: LaunchSpec,
        fsm: InterviewFSM,
        events: EventWriter,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.spec = spec
        self.fsm = fsm
        self.events = events
        self.context = build_context(spec.resume_text, spec.job_description)
        self.offers_tool = offers_stage_tool(spec.providers.llm)
        coach = spec.coach
        stage_names = [stage.name for stage in fsm.track.stages]
        self.must_ask = plan_questions(coach.questions if coach else [], stage_names)
        self._clock = clock
        self._session: AgentSession | None = None
        self._agent: Any = None
        self.finished = asyncio.Event()
        self.end_reason: str | None = None
        self._background: set[asyncio.Task[None]] = set()

    # -- set-up -------------------------------------------------------------------------

    def current_instructions(self) -> str:
        if self.fsm.finished:
            return goodbye_instructions(self.fsm.track, self.spec.candidate)
        stage = self.fsm.stage or self.fsm.track.stages[0]
        text = stage_instructions(
            self.fsm.track, stage, self.spec.candidate, self.context, stage_tool=self.offers_tool
        )
        coach = coach_instructions(
            self._next_must_ask(), self.spec.coach.focus_notes if self.spec.coach else ""
        )
        return f"{text}\n\n{coach}" if coach else text

    def prompt_for_reply(self, chat_ctx: ChatContext) -> ChatContext:
        """The prompt a reply is generated from (the agent's llm_node calls this first)."""
        return chat_ctx

    def _next_must_ask(self) -> str | None:
        stage = self.fsm.stage
        queue = self.must_ask.get(stage.name) if stage else None
        return queue[0] if queue else None

    def attach(self, session: AgentSession, agent: object) -> None:
        self._session = session
        self._agent = agent
        session.on("conversation_item_added", self._on_item_added)
        session.on("error", self._on_error)
        session.on("close", self._on_close)

    def begin(self) -> None:
        """Write `ready` and the first `stage`; the greeting follows."""
        self.announce_ready()
        self.start_stages()

    def announce_ready(self) -> None:
        """Write `ready` alone: a room is connected but the candidate may not be there yet."""
        self.events.write(
            "ready",
            session_id=self.spec.session_id,
            transport=self.spec.transport,
            track=self.fsm.track.name,
            stages=[
                {"stage": s.name, "title": s.title, "time_limit": s.time_limit}
                for s in self.fsm.track.stages
            ],
        )

    def start_stages(self) -> None:
        """Start the first stage's clock and write its `stage` event."""
        self._record_transition(self.fsm.start())

    # -- what the transports call -------------------------------------------------------

    async def greet(self) -> None:
        await self._reply()

    async def answer(self, text: str) -> None:
        """A whole candidate answer (typed): commit it, apply due transitions, reply."""
        if self.finished.is_set():
            return
        self.record_answer(text, started_at=self._clock(), ended_at=self._clock())
        await self.apply_due_transition()
        await self._reply(user_input=text)

    async def skip(self) -> None:
        if self.finished.is_set() or self.fsm.finished:
            return
        self._record_transition(self.fsm.skip())
        await self._refresh_instructions()
        await self._reply(instructions=None if self.fsm.finished else SKIPPED)

    def end(self, reason: str, message: str = "") -> None:
        """End now; an end in error first writes `message` as the fatal error."""
        if message and reason == "error":
            self.fail(message)
        self._finish(reason)

    def fail(self, message: str, reason: str = "error") -> None:
        """A fatal problem: say it in the timeline (unless already ended), end with `reason`."""
        if not self.finished.is_set():
            self.record_error(message)
        self._finish(reason)

    def record_error(self, message: str) -> None:
        self.events.write("error", message=message, fatal=True)

    def record_state(self, **state: str) -> None:
        """The agent's or the candidate's state (listening, thinking, speaking...)."""
        self.events.write("state", **state)

    def record_draft(self, reply: int, delta: str) -> None:
        """More of the interviewer's reply as it is generated (the live view's text)."""
        self.events.write("draft", role="interviewer", reply=reply, delta=delta)

    def record_metrics(self, figures: dict[str, float]) -> None:
        stage = self.fsm.stage
        self.events.write("metrics", stage=stage.name if stage else "closing", **figures)

    def close(self, reason: str) -> None:
        """The last lines of the timeline: what the providers were used for (`usage`),
        then `ended` with `reason`; the log is closed."""
        if self._session is not None:
            try:
                figures = usage_figures(self._session.usage.model_usage)
            except Exception:  # the framework's figures must never cost the `ended` line
                log.exception("usage figures unavailable")
            else:
                self.events.write("usage", **figures)
        self.events.write("ended", reason=reason)
        self.events.close()

    def tick(self) -> None:
        stage = self.fsm.stage
        was_overdue = getattr(self, "_overdue_stage", None) == (stage.name if stage else None)
        if stage is not None and self.fsm.tick() and not was_overdue:
            self._overdue_stage = stage.name
            log.info("stage %s ran over its %.0f s limit", stage.name, stage.time_limit)

    # -- shared by both transports ------------------------------------------------------

    def record_answer(self, text: str, *, started_at: float, ended_at: float) -> None:
        stage = self.fsm.stage
        self.events.write(
            "turn",
            role="candidate",
            text=text,
            stage=stage.name if stage else "closing",
            started_at=round(started_at, 3),
            ended_at=round(ended_at, 3),
        )
        self.fsm.note_answer()

    async def apply_due_transition(self) -> Transition | None:
        reason = self.fsm.due_reason()
        if reason is None:
            return None
        transition = self.fsm.advance(reason)
        self._record_transition(transition)
        await self._refresh_instructions()
        return transition

    async def complete_stage_requested(self) -> str:
        if self._next_must_ask() is not None:
            raise ToolError("Not yet: first ask the coach's question for this topic.")
        verdict = self.fsm.request_complete()
        if not verdict.accepted:
            log.info("complete_stage refused in %s", self.fsm.stage.name if self.fsm.stage else "-")
            raise ToolError(verdict.refusal)
        assert verdict.transition is not None  # an accepted request moves the stage
        self._record_transition(verdict.transition)
        await self._refresh_instructions()
        return WRAP_UP if self.fsm.finished else MOVE_ON

    # -- internals ----------------------------------------------------------------------

    async def _reply(
        self, *, user_input: str | None = None, instructions: str | None = None
    ) -> None:
        assert self._session is not None
        kwargs: dict[str, Any] = {}
        if user_input is not None:
            kwargs["user_input"] = user_input
        if instructions is not None:
            kwargs["instructions"] = instructions
        handle = self._session.generate_reply(**kwargs)
        await handle
        if self.fsm.finished and not self.finished.is_set():
            self._finish("completed")

    async def _refresh_instructions(self) -> None:
        if self._agent is not None:
            await self._agent.update_instructions(self.current_instructions())

    def _record_transition(self, transition: Transition) -> None:
        log.info(
            "stage %s -> %s (%s)", transition.from_stage, transition.to_stage, transition.reason
        )
        if transition.to_stage is not None:
            self.events.write("stage", stage=transition.to_stage, reason=transition.reason)

    def _on_item_added(self, event: ConversationItemAddedEvent) -> None:
        item = event.item
        if not isinstance(item, ChatMessage) or item.role != "assistant":
            return
        text = (item.text_content or "").strip()
        if not text:
            return
        stage = self.fsm.stage
        self.events.write(
            "turn",
            role="interviewer",
            text=text,
            stage=stage.name if stage else "closing",
            started_at=round(getattr(item, "created_at", self._clock()), 3),
            ended_at=round(self._clock(), 3),
            interrupted=bool(getattr(item, "interrupted", False)),
        )
        self.fsm.note_question()
        if self._next_must_ask() is not None:  # it was asked in this turn: on to the next
            self.must_ask[stage.name].popleft()  # type: ignore[union-attr]
            refresh = asyncio.get_running_loop().create_task(self._refresh_instructions())
            self._background.add(refresh)
            refresh.add_done_callback(self._background.discard)

    def _on_error(self, event: ErrorEvent) -> None:
        error = event.error
        if getattr(error, "recoverable", True):
            return
        kind = getattr(error, "type", "")
        provider = {
            "llm_error": "The language model provider",
            "stt_error": "The speech-to-text provider",
            "tts_error": "The text-to-speech provider",
        }.get(kind, "A provider")
        base_url = self.spec.providers.llm.base_url if kind == "llm_error" else None
        message = describe_failure(provider, error.error, base_url)
        log.error("fatal provider failure: %s", message)
        self.fail(message)

    def _on_close(self, event: CloseEvent) -> None:
        if not self.finished.is_set():
            self._finish("error" if event.error else "completed")

    def _finish(self, reason: str) -> None:
        if not self.finished.is_set():
            self.end_reason = reason
            self.finished.set()
