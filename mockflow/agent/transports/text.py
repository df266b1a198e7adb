"""The `text` transport: typed answers arrive as `user_text` commands on stdin.

Commands are handled one at a time, so an answer sent while the interviewer is still
replying waits in the queue; answers queued together are merged into one turn. The
timeline says when the interviewer is thinking (a reply is being generated, however long
the model takes) and listening, and each reply's figures (`metrics`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Literal

from livekit.agents import (
    AgentSession,
    AgentStateChangedEvent,
    ChatMessage,
    ConversationItemAddedEvent,
)

from mockflow.agent.controller import InterviewController
from mockflow.agent.drafts import DraftOutput
from mockflow.agent.interviewer import InterviewerAgent
from mockflow.agent.providers import PinnedClients, build_llm, connect_options
from mockflow.agent.session import END_GRACE_SECONDS, tick_until_finished
from mockflow.contracts.commands import Command, read_commands

log = logging.getLogger("mockflow.agent")


async def run_text_interview(controller: InterviewController, reader: asyncio.StreamReader) -> str:
    """Run the whole interview; return the `ended` reason."""
    llm_config = controller.spec.providers.llm
    clients = PinnedClients()
    llm = build_llm(llm_config, clients)
    queue: asyncio.Queue[Command | None] = asyncio.Queue()
    # no VAD and manual turns: otherwise the framework loads its turn-detector model and
    # Silero for a session that never hears audio (+270 MB per process)
    session: AgentSession[None] = AgentSession(
        llm=llm,
        vad=None,
        turn_handling={"turn_detection": "manual"},
        conn_options=connect_options(llm_config),
    )
    session.output.transcription = DraftOutput(controller)  # the reply shown as it comes
    agent = InterviewerAgent(controller)
    controller.attach(session, agent)
    tasks: list[asyncio.Task] = []
    try:
        await session.start(agent)
        controller.begin()
        follow_session(session, controller)  # after `ready`, which comes first
        tasks.append(asyncio.create_task(read_commands(reader, queue), name="stdin"))
        tasks.append(asyncio.create_task(tick_until_finished(controller), name="tick"))
        worker = asyncio.create_task(_work(controller, queue), name="worker")
        tasks.append(worker)
        await controller.finished.wait()
        last_words = asyncio.create_task(controller.last_words(END_GRACE_SECONDS))
        tasks.append(last_words)
        await asyncio.wait({worker, last_words}, timeout=END_GRACE_SECONDS + 1)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await asyncio.wait_for(session.aclose(), timeout=5)
        with contextlib.suppress(Exception):
            await llm.aclose()
        with contextlib.suppress(Exception):
            await clients.aclose()  # after the plugin that used them
    return controller.end_reason or "completed"


def follow_session(session: AgentSession, controller: InterviewController) -> None:
    """Write the interviewer's `thinking` and `listening` states (text has no `speaking`:
    the reply's drafts show it) and each reply's `metrics`."""

    def on_state(event: AgentStateChangedEvent) -> None:
        if event.new_state in ("thinking", "listening") and not controller.finished.is_set():
            controller.record_state(agent_state=event.new_state)

    def on_item(event: ConversationItemAddedEvent) -> None:
        item = event.item
        if isinstance(item, ChatMessage) and item.role == "assistant":
            ttft = (item.metrics or {}).get("llm_node_ttft")
            if isinstance(ttft, int | float):
                controller.record_metrics({"llm_ttft": round(float(ttft), 3)})

    session.on("agent_state_changed", on_state)
    session.on("conversation_item_added", on_item)


async def _work(controller: InterviewController, queue: asyncio.Queue[Command | None]) -> None:
    """Route commands: `end` and EOF act at once (even while a reply is being generated);
    answers and skips are handled one at a time, in order."""
    work: asyncio.Queue[Command | None] = asyncio.Queue()
    serving = asyncio.create_task(_serve(controller, work), name="answers")
    try:
        while (command := await _next_unless_finished(controller, queue)) is not False:
            if command is None:
                controller.end("app_gone")
            elif command.type == "end":
                controller.end(command.reason, command.text)
            else:
                work.put_nowait(command)
        # the reply being generated may still finish and be committed; an idle server
        # stops at once (the `ended` line is not held back by a wait for nothing)
        work.put_nowait(None)
        await asyncio.wait({serving}, timeout=END_GRACE_SECONDS)
    finally:
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await serving


async def _next_unless_finished(
    controller: InterviewController, queue: asyncio.Queue[Command | None]
) -> Command | None | Literal[False]:
    """The next command, or False once the interview has finished (whoever ended it)."""
    getting = asyncio.ensure_future(queue.get())
    finished = asyncio.ensure_future(controller.finished.wait())
    done, _ = await asyncio.wait({getting, finished}, return_when=asyncio.FIRST_COMPLETED)
    finished.cancel()
    if getting in done:
        return getting.result()
    getting.cancel()
    return False


async def _serve(controller: InterviewController, work: asyncio.Queue[Command | None]) -> None:
    await controller.greet()
    waiting: deque[Command | None] = deque()  # taken from the queue, not handled yet
    while not controller.finished.is_set():
        command = waiting.popleft() if waiting else await work.get()
        if command is None:  # the interview has finished
            return
        if command.type == "skip_stage":
            await controller.skip()
            continue
        while not work.empty():
            waiting.append(work.get_nowait())
        texts = [command.text]
        while waiting and (queued := waiting[0]) is not None and queued.type == "user_text":
            texts.append(queued.text)
            waiting.popleft()
        await controller.answer("\n".join(texts))
