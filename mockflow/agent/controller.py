"""The interview controller: glue between the FSM, the event log and the AgentSession.

Code decides when a stage ends (the tool asks, guards answer; timers and question caps
apply between an answer and the reply to it; `skip_stage` applies at once). Every reply
after a stage change is the next stage's first question, in the same turn. The interview
ends only after a reply that asks nothing: the goodbye.

Every reply's prompt is laid out for the providers' prompt caches (`prompt_for_reply`),
and a reply that fails is retried, skipped with an apology or ends the interview as
`slow_turns` decides.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from livekit.agents import (
    AgentSession,
    ChatContext,
    ChatMessage,
    CloseEvent,
    ConversationItemAddedEvent,
    ErrorEvent,
    SpeechCreatedEvent,
    ToolError,
)
from livekit.agents.voice import SpeechHandle

from mockflow.agent.instructions import (
    coach_instructions,
    goodbye_brief,
    stable_instructions,
    stage_brief,
    suggested_question,
)
from mockflow.agent.prompt_layout import PrefixMeter, lay_out, serialize
from mockflow.agent.providers import describe_failure
from mockflow.agent.slow_turns import (
    APOLOGY,
    CLOSING_APOLOGY,
    OPENING_APOLOGY,
    FailedTurns,
    Verdict,
)
from mockflow.agent.stage_tool import offers_stage_tool
from mockflow.agent.usage import usage_figures
from mockflow.contracts.events import EventWriter
from mockflow.contracts.launch_spec import LaunchSpec
from mockflow.interview.budget import Budget
from mockflow.interview.coach_questions import plan_questions
from mockflow.interview.context import build_context
from mockflow.interview.fsm import InterviewFSM, Transition

log = logging.getLogger("mockflow.agent")

MOVE_ON = (
    "Done. Continue now with your first question on the next topic, as your updated "
    "instructions describe. Do not say that the topic or stage changed."
)
WRAP_UP = "The interview is over. Say your goodbye now, as your updated instructions describe."
# said when the app stops the interview at its time limit while the interviewer waits for
# an answer: an honest last turn after a question that will not get one
OUT_OF_TIME = (
    "That's all the time we have, so we'll stop here. Thank you, {name}; your feedback "
    "report will be ready in a moment."
)
# said when a practice link's interview ends because a question went unanswered (issue 25)
NO_ANSWER = (
    "I haven't had an answer for a while, so we'll stop here. Thank you, {name}; your "
    "transcript is kept."
)
SKIPPED = (
    "The candidate chose to skip your last question. Acknowledge that in two or three words "
    '(such as "Sure." or "No problem."), then ask your first question on the new topic.'
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
        self.stable_prompt = stable_instructions(
            fsm.track, spec.candidate, self.context, coach.focus_notes if coach else ""
        )
        self._prompt_meter = PrefixMeter()
        self._prompt_reused: float | None = None
        self.failed_turns = FailedTurns.for_provider(spec.providers.llm.base_url)
        self._own_reply = False  # a reply the controller generates and awaits itself
        self._apology: str | None = None
        self._interviewer_turns = 0
        # how the last stage was left (skip, tool, timer, limit), for the `ended` line:
        # leaving it starts no stage, so no `stage` event can say so
        self._final_move: dict[str, str] = {}
        self._last_words: Awaitable[Any] | None = None
        self.budget = _budget_of(spec, clock())

    # -- set-up -------------------------------------------------------------------------

    def current_instructions(self) -> str:
        """The whole instructions in one text: the stable part, then the stage's part."""
        return f"{self.stable_prompt}\n\n{self.stage_prompt()}"

    def stage_prompt(self) -> str:
        """The current stage's part of the prompt (the goodbye once the interview is over)."""
        if self.fsm.finished:
            return goodbye_brief()
        stage = self.fsm.stage or self.fsm.track.stages[0]
        text = stage_brief(stage, self.context, stage_tool=self.offers_tool)
        coach = coach_instructions(self._next_must_ask(), "")
        if coach:
            return f"{text}\n\n{coach}"
        if not self.offers_tool:  # a small model keeps on topic with a question in hand
            asked, _ = self.fsm.counts()
            suggestion = suggested_question(stage, asked, self.spec.candidate.name)
            return f"{text}\n\n{suggestion}" if suggestion else text
        return text

    def prompt_for_reply(self, chat_ctx: ChatContext) -> ChatContext:
        """The prompt a reply is generated from (the agent's llm_node calls this first): an
        edited copy with the stable instructions first and the stage's part last. Notes
        the share of it reused from the previous prompt for the turn's `metrics`."""
        prompt = lay_out(chat_ctx, self.stable_prompt, self.stage_prompt())
        self._prompt_reused = self._prompt_meter.measure(serialize(prompt))
        return prompt

    def _next_must_ask(self) -> str | None:
        stage = self.fsm.stage
        queue = self.must_ask.get(stage.name) if stage else None
        return queue[0] if queue else None

    def attach(self, session: AgentSession, agent: object) -> None:
        self._session = session
        self._agent = agent
        session.on("conversation_item_added", self._on_item_added)
        session.on("error", self._on_error)
        session.on("speech_created", self._on_speech_created)
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
        """End now; an end in error first writes `message` as the fatal error; at the time
        limit the interviewer says so, or stops a reply under way (`last_words` waits)."""
        if message and reason == "error":
            self.fail(message)
        elif reason == "timeout" and not self.finished.is_set():
            self._say_last(OUT_OF_TIME.format(name=self._first_name()))
        self._finish(reason)

    async def last_words(self, timeout: float) -> None:
        """Wait (up to `timeout` seconds) for the interviewer's last line to be said."""
        if self._last_words is None:
            return
        try:
            await asyncio.wait_for(asyncio.ensure_future(self._last_words), timeout)
        except Exception:  # a line not said must not cost the `ended` line
            log.warning("the last line was not said", exc_info=True)

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
        """The turn's figures, with the share of its prompt reused from the previous one."""
        if self._prompt_reused is not None:
            figures = {**figures, "prompt_prefix_reused": self._prompt_reused}
            self._prompt_reused = None
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
        self.events.write("ended", reason=reason, **self._final_move)
        self.events.close()

    def tick(self) -> None:
        stage = self.fsm.stage
        was_overdue = getattr(self, "_overdue_stage", None) == (stage.name if stage else None)
        if stage is not None and self.fsm.tick() and not was_overdue:
            self._overdue_stage = stage.name
            log.info("stage %s ran over its %.0f s limit", stage.name, stage.time_limit)
        self._keep_to_budget()

    def _keep_to_budget(self) -> None:
        """A practice link's hold on the time: the closing a minute before the granted
        end, the end itself (`timeout`, said), and the end of a question left unanswered."""
        if self.budget is None or self.finished.is_set():
            return
        due = self.budget.due(self._clock())
        if due == "end":
            log.info("the interview's granted time is up")
            self.end("timeout")
        elif due == "idle":
            log.info("no answer for %.0f s: ending", self.budget.idle_seconds)
            self._say_last(NO_ANSWER.format(name=self._first_name()))
            self._finish("timeout")
        elif due == "close" and self.fsm.stage is not None and not self.fsm.last_stage:
            log.info("the interview's granted time is nearly up: closing")
            self._record_transition(self.fsm.close_early("timer"))
            self._in_background(self._refresh_instructions())

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
        if self.budget is not None:
            self.budget.answered()

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

    async def wrap_up_requested(self) -> bool:
        """The reply being generated asks nothing: in the last stage, once its question was
        answered (and no coach's question is left), it is the goodbye and the interview
        ends with it. False when a question is still due."""
        if not self.fsm.may_wrap_up() or self._next_must_ask() is not None:
            return False
        self._record_transition(self.fsm.advance("tool"))
        await self._refresh_instructions()
        return True

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
        handle = self._generate(**kwargs)
        await handle
        await self._after_reply(handle)
        if self.fsm.finished and not self.finished.is_set():
            self._finish("completed")

    def _generate(self, **kwargs: Any) -> SpeechHandle:
        assert self._session is not None
        self._own_reply = True
        try:
            return self._session.generate_reply(**kwargs)
        finally:
            self._own_reply = False

    def _on_speech_created(self, event: SpeechCreatedEvent) -> None:
        """A reply the framework generates on its own (a spoken answer's) is watched too."""
        if event.source == "generate_reply" and not self._own_reply:
            event.speech_handle.add_done_callback(self._after_unowned_reply)

    def _after_unowned_reply(self, handle: SpeechHandle) -> None:
        task = asyncio.get_running_loop().create_task(self._after_reply(handle))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _after_reply(self, handle: SpeechHandle) -> None:
        """A failed reply is retried, skipped with an apology, or ends the interview."""
        if self.finished.is_set() or handle.interrupted:
            return
        error = handle.exception()
        if error is None:
            self.failed_turns.succeeded()
            return
        log.warning("the reply failed: %s", type(error).__name__)
        verdict, cause = await self.failed_turns.recover(error, self._retry_reply)
        if self.finished.is_set() or verdict is Verdict.ANSWERED:
            return
        if verdict is Verdict.APOLOGISE:
            await self._apologise()
            return
        base_url = self.spec.providers.llm.base_url
        message = describe_failure("The language model provider", cause, base_url)
        log.error("fatal provider failure: %s", message)
        self.fail(message)

    async def _retry_reply(self) -> BaseException | None:
        """The same turn again (the candidate's answer is already in the history)."""
        if self.finished.is_set():
            return None
        log.info("retrying the reply")
        handle = self._generate()
        await handle
        return None if handle.interrupted else handle.exception()

    async def _apologise(self) -> None:
        """The failed turn's place: a short apology that asks the candidate to go on."""
        assert self._session is not None
        if self.fsm.finished:
            self._apology = CLOSING_APOLOGY
        else:
            self._apology = APOLOGY if self._interviewer_turns else OPENING_APOLOGY
        await self._session.say(self._apology, add_to_chat_ctx=True)

    def _say_last(self, text: str) -> None:
        """Say `text` if the interviewer is waiting for an answer; a reply under way is cut
        off instead (a question asked now would get no answer, and the candidate's last
        answer stays unanswered, as it was)."""
        if self._session is None:
            return
        speech = getattr(self._session, "current_speech", None)
        try:
            if speech is not None and not speech.done():
                cut = self._session.interrupt(force=True)
                cut.add_done_callback(lambda done: done.cancelled() or done.exception())
                log.info("a reply under way was cut off at the time limit")
                return
            self._last_words = self._session.say(text, add_to_chat_ctx=True)
        except RuntimeError:  # the session is not running: nothing can be said
            log.info("the session is not running: the last line is not said")

    async def _refresh_instructions(self) -> None:
        if self._agent is not None:
            await self._agent.update_instructions(self.current_instructions())

    def _record_transition(self, transition: Transition) -> None:
        log.info(
            "stage %s -> %s (%s)", transition.from_stage, transition.to_stage, transition.reason
        )
        if transition.to_stage is not None:
            self.events.write("stage", stage=transition.to_stage, reason=transition.reason)
        elif transition.from_stage is not None and transition.reason != "end":
            self._final_move = {"last_stage": transition.from_stage, "last_move": transition.reason}

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
        if self.budget is not None:
            self.budget.asked(self._clock())
        self._interviewer_turns += 1
        if text == self._apology:
            self._apology = None
            return
        if self._next_must_ask() is not None:  # it was asked in this turn: on to the next
            self.must_ask[stage.name].popleft()  # type: ignore[union-attr]
            self._in_background(self._refresh_instructions())

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _first_name(self) -> str:
        return (self.spec.candidate.name.split() or ["there"])[0]

    def _on_error(self, event: ErrorEvent) -> None:
        """A speech provider's failure ends the interview; a language model's fails only
        its reply, which `_after_reply` deals with."""
        error = event.error
        if getattr(error, "recoverable", True):
            return
        kind = getattr(error, "type", "")
        if kind == "llm_error":
            log.warning("language model failure: %s", type(error.error).__name__)
            return
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


def _budget_of(spec: LaunchSpec, now: float) -> Budget | None:
    """The practice link's hold on this interview, counted from `now` (None: no hold)."""
    hold = spec.time_budget
    if hold is None:
        return None
    return Budget(now, hold.seconds, hold.closing_seconds, hold.idle_seconds)
