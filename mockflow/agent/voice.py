"""Voice session wiring shared by the room transport, the worker and room-less tests.

`VoiceInterview` builds the `AgentSession` (STT, LLM, TTS, Silero VAD, the patience
profile's turn handling), turns each spoken answer into one candidate turn with the real
speech start/end times, writes `state` and `metrics` events, checks in once after a long
silence, and runs the interview until the controller finishes. Audio I/O is not its
business: the caller starts the session on a room or on custom `io` objects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import aiohttp
from livekit.agents import (
    AgentSession,
    AgentStateChangedEvent,
    ChatContext,
    ChatMessage,
    ConversationItemAddedEvent,
    StopResponse,
    TurnHandlingOptions,
    UserStateChangedEvent,
)

from mockflow.agent.audio_path import AudioPath, candidate_track, track_stats
from mockflow.agent.controller import InterviewController
from mockflow.agent.interviewer import InterviewerAgent
from mockflow.agent.providers import (
    PinnedClients,
    build_llm,
    build_stt,
    build_tts,
    build_vad,
)
from mockflow.agent.providers import speech_connect_options as connect_options
from mockflow.agent.session import END_GRACE_SECONDS, tick_until_finished
from mockflow.agent.turn_taking import (
    AnswerEndDetector,
    SilenceWatch,
    is_thinking_aloud,
    profile_for,
    turn_handling,
)
from mockflow.contracts.commands import Command, read_commands
from mockflow.contracts.launch_spec import LaunchSpec, STTProvider, TTSProvider
from mockflow.interview.terms import key_terms

log = logging.getLogger("mockflow.agent")
CHECK_IN = (
    "The candidate has been silent for a while. In one short, warm sentence, check in: offer "
    "to repeat or rephrase your last question. Do not ask a new question."
)
THINKING_CHECK_IN = (
    "The candidate asked for a moment to think and is still silent. In one short sentence, "
    "tell them to take their time. Do not ask a new question and do not rush them."
)
WELCOME_BACK = (
    "The candidate's connection dropped and they are back. In one short sentence, welcome "
    "them back, then repeat your last question. Do not ask a new question."
)
_METRICS = {
    "end_of_turn_delay": "end_of_turn_delay",
    "transcription_delay": "transcription_delay",
    "on_user_turn_completed_delay": "hook_delay",
    "llm_node_ttft": "llm_ttft",
    "tts_node_ttfb": "tts_ttfb",
    "e2e_latency": "e2e_latency",
}


@dataclass
class _Held:
    """A "let me think" waiting for the rest of its answer."""

    text: str
    started_at: float


def interview_keyterms(spec: LaunchSpec) -> list[str]:
    """Words the STT should expect: the role, then technical terms of the JD and resume."""
    terms = [spec.candidate.role]
    for text in (spec.job_description, spec.resume_text):
        if text.strip():
            terms += key_terms(text, technical_only=True)
    return list(dict.fromkeys(t for t in terms if 1 < len(t) <= 50))


class VoiceInterview:
    """One voice interview's session and the behaviours around it."""

    def __init__(
        self,
        controller: InterviewController,
        *,
        http_session: aiohttp.ClientSession,
        clock: Callable[[], float] = time.time,
        audio: AudioPath | None = None,
    ) -> None:
        self.controller = controller
        # the room path's settings; the environment may override them for the latency bench
        self.audio = audio if audio is not None else AudioPath.from_env(os.environ)
        turn_taking = controller.spec.turn_taking
        self.profile = profile_for(turn_taking.patience, turn_taking.check_in_after)
        self.watch = SilenceWatch(self.profile)
        self._http = http_session
        self._clock = clock
        self._held: _Held | None = None
        self._user_metrics: dict = {}
        self._plugins: list = []
        self._clients = PinnedClients()
        self._closing_task: asyncio.Task[None] | None = None
        self._live = False  # state events start with the interview, not with the session
        self._work: asyncio.Queue[Command] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self.session: AgentSession | None = None

    def build(self) -> tuple[AgentSession, InterviewerAgent]:
        """The session and agent, wired to the controller; start them on any audio I/O."""
        spec = self.controller.spec
        llm = build_llm(spec.providers.llm, self._clients)
        self._plugins.append(llm)
        stt = build_stt(
            spec.providers.stt or STTProvider(),
            spec.providers.llm,
            http_session=self._http,
            clients=self._clients,
            keyterms=interview_keyterms(spec),
        )
        self._plugins.append(stt)
        tts = build_tts(
            spec.providers.tts or TTSProvider(),
            spec.providers.llm,
            self._clients,
            response_format=self.audio.tts_format,
        )
        self._plugins.append(tts)
        session: AgentSession[None] = AgentSession(
            stt=stt,
            llm=llm,
            tts=tts,
            vad=build_vad(self.profile.vad_min_silence, self.audio.vad_release),
            turn_handling=cast(
                TurnHandlingOptions, turn_handling(self.profile, AnswerEndDetector())
            ),
            conn_options=connect_options(spec.providers.llm),
            user_away_timeout=self.profile.check_in_after,
        )
        agent = InterviewerAgent(self.controller, on_answer=self.on_answer)
        self.controller.attach(session, agent)
        session.on("agent_state_changed", self._on_agent_state)
        session.on("user_state_changed", self._on_user_state)
        session.on("conversation_item_added", self._on_item_added)
        self.session = session
        return session, agent

    # -- answers ----------------------------------------------------------------------------

    async def on_answer(self, turn_ctx: ChatContext, message: ChatMessage) -> None:
        """A spoken turn ended: hold a "let me think", else commit one candidate turn."""
        text = (message.text_content or "").strip()
        if not text or self.controller.finished.is_set():
            raise StopResponse()
        metrics = message.metrics or {}
        now = self._clock()
        started = metrics.get("started_speaking_at") or now
        ended = metrics.get("stopped_speaking_at") or now
        if self._held is not None:
            text, started = f"{self._held.text} {text}", self._held.started_at
            self._held = None
        if is_thinking_aloud(text):
            self._held = _Held(text, started)
            self.watch.candidate_thinking()
            log.info("candidate asked for time; holding the reply")
            raise StopResponse()
        message.content = [text]
        self.controller.record_answer(text, started_at=started, ended_at=ended)
        if await self.controller.apply_due_transition() is not None:
            # the hook's context was copied before the stage changed: this reply gets the new
            # stage's instructions as the latest system message (the agent's own instructions
            # are already updated for the turns after it)
            turn_ctx.add_message(role="system", content=[self.controller.current_instructions()])

    async def typed_answer(self, text: str) -> None:
        """Text typed in the room or relayed on stdin: the same transcript, a reply at once."""
        if self.controller.finished.is_set() or self.session is None:
            return
        await self._stop_speaking()
        if self._held is not None:
            text, self._held = f"{self._held.text} {text}", None
        await self.controller.answer(text)

    async def _stop_speaking(self) -> None:
        if self.session is not None:
            with contextlib.suppress(RuntimeError):
                await self.session.interrupt()

    def welcome_back(self) -> None:
        """The candidate re-joined after a drop: say so briefly and repeat the question."""
        if self.session is None or not self._live or self.controller.finished.is_set():
            return
        self.session.generate_reply(instructions=WELCOME_BACK, tool_choice="none")

    # -- events -----------------------------------------------------------------------------

    def _on_agent_state(self, event: AgentStateChangedEvent) -> None:
        self.watch.agent_state(event.new_state)
        if self._live:
            self.controller.record_state(agent_state=event.new_state)

    def _on_user_state(self, event: UserStateChangedEvent) -> None:
        self.watch.user_state(event.new_state)
        if self._live:
            self.controller.record_state(user_state=event.new_state)
            if self.audio.stats and event.new_state in ("speaking", "listening"):
                speaking = event.new_state == "speaking"
                self._tasks.append(asyncio.create_task(self._record_track_stats(speaking)))

    async def _record_track_stats(self, speaking: bool) -> None:
        """The candidate track's WebRTC figures as an answer starts or ends (`stats` on)."""
        with contextlib.suppress(Exception):  # a figure for the bench, never a failure
            track = candidate_track(self.session) if self.session is not None else None
            if track is None:
                return
            figures = await track_stats(track)
            self.controller.record_metrics(
                {f"rtc_{k}": v for k, v in figures.items()} | {"rtc_speaking": float(speaking)}
            )

    def _on_item_added(self, event: ConversationItemAddedEvent) -> None:
        item = event.item
        if not isinstance(item, ChatMessage):
            return
        role = item.role
        if role == "user":
            self._user_metrics = dict(item.metrics or {})
        elif role == "assistant":
            self._write_metrics({**self._user_metrics, **(item.metrics or {})})
            self._user_metrics = {}
            if self.controller.fsm.finished and self._closing_task is None:
                self._closing_task = asyncio.create_task(self._finish_after_goodbye())

    def _write_metrics(self, metrics: dict) -> None:
        figures = {
            name: round(float(metrics[key]), 3)
            for key, name in _METRICS.items()
            if isinstance(metrics.get(key), int | float)
        }
        if figures:
            self.controller.record_metrics(figures)

    async def _finish_after_goodbye(self) -> None:
        """The goodbye was said: end once every step of the current reply has played."""
        handle = self.session.current_speech if self.session else None
        try:
            if handle is not None and not handle.done():
                await handle.wait_for_playout()
        finally:
            self.controller.end("completed")

    # -- the interview loop ---------------------------------------------------------------

    def listen(self, reader: asyncio.StreamReader) -> None:
        """Follow stdin commands (contract 2) from now on, even before the candidate joins."""
        commands: asyncio.Queue[Command | None] = asyncio.Queue()
        self._tasks.append(asyncio.create_task(read_commands(reader, commands), name="stdin"))
        self.follow(commands)

    def follow(self, commands: asyncio.Queue[Command | None]) -> None:
        """Act on commands from any source (stdin, the room's data channel); None means the
        app is gone."""
        self._tasks.append(asyncio.create_task(self._follow(commands), name="commands"))

    async def conduct(self) -> str:
        """Greet, then run until the controller finishes; return the `ended` reason."""
        controller = self.controller
        controller.start_stages()
        self._live = True
        self._tasks.append(asyncio.create_task(self._serve(), name="voice-work"))
        tick = tick_until_finished(controller, also=self._check_in_if_due)
        self._tasks.append(asyncio.create_task(tick, name="voice-tick"))
        await controller.finished.wait()
        if controller.end_reason == "app_gone":
            await self._let_current_reply_finish()
        await controller.last_words(END_GRACE_SECONDS)  # "we're out of time", if said
        return controller.end_reason or "completed"

    async def _serve(self) -> None:
        await self.controller.greet()
        while not self.controller.finished.is_set():
            command = await self._work.get()
            if command.type == "skip_stage":
                await self.controller.skip()
            else:
                await self.typed_answer(command.text)

    async def _follow(self, commands: asyncio.Queue[Command | None]) -> None:
        while True:
            command = await commands.get()
            if command is None:
                self.controller.end("app_gone")
                return
            if command.type == "end":
                self.controller.end(command.reason, command.text)
                return
            if command.type == "skip_stage":  # the skipped question stops now, not once said
                await self._stop_speaking()
            self._work.put_nowait(command)

    def _check_in_if_due(self) -> None:
        if self.watch.due() and self.session is not None:
            self.watch.checked_in()
            log.info("long silence: checking in once")
            instructions = THINKING_CHECK_IN if self.watch.thinking else CHECK_IN
            self.session.generate_reply(instructions=instructions, tool_choice="none")

    async def _let_current_reply_finish(self) -> None:
        handle = self.session.current_speech if self.session else None
        if handle is not None and not handle.done():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(handle.wait_for_playout(), END_GRACE_SECONDS)

    async def aclose(self) -> None:
        """Close the session, then every plugin; the caller closes the HTTP session last."""
        tasks = [*self._tasks, *([self._closing_task] if self._closing_task else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.session is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.session.aclose(), timeout=10)
        for plugin in self._plugins:
            with contextlib.suppress(Exception):
                await plugin.aclose()
        with contextlib.suppress(Exception):
            await self._clients.aclose()
