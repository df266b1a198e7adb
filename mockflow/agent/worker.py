"""Scale-out mode: `python agent_entry.py worker` serves interviews as a LiveKit Agents worker.

It registers with the LiveKit server under `MOCKFLOW_WORKER_NAME` and takes explicit
dispatches only (the app creates them with `mockflow.launch.livekit.dispatch`). Each job
runs in its own process, like the per-interview mode, with the same `VoiceInterview`; the
job metadata carries the session config without secrets, and the provider keys come from
this worker's environment. The timeline reaches the app over the room
(`mockflow.agent.transports.timeline_sender`): each event is sent to the app's hidden
participant, signed and numbered, and kept (in memory, with a copy in this machine's
`<data dir>/worker/sessions/<id>/`) until the app acknowledges it; the worker needs
nothing of the app's filesystem. The app's commands arrive as server-sent data packets in
the room (`mockflow.agent.transports.room_commands`).

Never dev mode (it would send the default turn detector to a cloud endpoint), and the
worker's HTTP health port listens on localhost only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
from livekit import rtc
from livekit.agents import AgentServer, JobContext, JobProcess

from mockflow.agent.controller import InterviewController, record_refusal
from mockflow.agent.session import run_interview
from mockflow.agent.transports.room import interview_in_room
from mockflow.agent.transports.room_commands import RoomCommands
from mockflow.agent.transports.timeline_sender import RelayedEventWriter, TimelineSender
from mockflow.agent.voice import VoiceInterview
from mockflow.config import Settings
from mockflow.contracts.events import EVENTS_FILE, EventWriter
from mockflow.contracts.job import session_id_of, spec_from_job
from mockflow.contracts.relay import Outbox, session_key
from mockflow.errors import MockflowError
from mockflow.redaction import install_on_root_handlers

log = logging.getLogger("mockflow.agent")
HEALTH_HOST = "127.0.0.1"


def prewarm(process: JobProcess) -> None:
    """Load the VAD model once per job process, before a job arrives."""
    from livekit.plugins import silero

    silero.VAD.load()


async def interview_job(ctx: JobContext) -> None:
    """One dispatched interview, from the job's metadata to `ended`."""
    settings = Settings.from_env()
    try:
        spec = spec_from_job(
            ctx.job.metadata,
            room=ctx.room.name,
            keys=settings.env_keys,
            sessions_dir=worker_sessions_dir(settings),
        )
    except MockflowError as exc:
        senders: list[TimelineSender] = []

        def relayed(session_id: str) -> EventWriter:
            events, sender = relayed_timeline(ctx.room, settings, session_id)
            senders.append(sender)
            return events

        refuse_job(ctx.job.metadata, worker_sessions_dir(settings), exc, relayed)
        for sender in senders:
            await hand_over(ctx, sender)
        ctx.shutdown("error")
        return
    events, sender = relayed_timeline(ctx.room, settings, spec.session_id)
    log.info("job for session %s", spec.session_id)
    commands = RoomCommands(ctx.room)  # before connecting: an `end` sent meanwhile counts

    async def in_room(controller: InterviewController) -> str:
        await ctx.connect()
        async with aiohttp.ClientSession() as http:
            voice = VoiceInterview(controller, http_session=http)
            voice.follow(commands.queue)
            try:
                return await interview_in_room(voice, ctx.room)
            finally:
                await voice.aclose()

    try:
        reason = await run_interview(spec, events, in_room)
    finally:
        commands.close()
        await hand_over(ctx, sender)
    ctx.shutdown(reason)


def worker_sessions_dir(settings: Settings) -> Path:
    """The worker's own copies of its timelines: apart from the app's `sessions/`, so a
    worker that shares the app's data folder (one machine) never writes the app's files."""
    return settings.data_dir / "worker" / "sessions"


def relayed_timeline(
    room: rtc.Room, settings: Settings, session_id: str
) -> tuple[RelayedEventWriter, TimelineSender]:
    """The job's timeline: a local copy, and every event relayed to the app over `room`."""
    key = session_key(settings.env_keys.livekit_api_secret or "", session_id)
    outbox = Outbox(session_id, key, time.monotonic)
    events = RelayedEventWriter(worker_sessions_dir(settings) / session_id / EVENTS_FILE, outbox)
    events.sender = TimelineSender(room, outbox)
    return events, events.sender


async def hand_over(ctx: JobContext, sender: TimelineSender) -> None:
    """Stay until the app has acknowledged the whole timeline (or `DRAIN_SECONDS`)."""
    log.info("handing the timeline over: %d events not acknowledged yet", sender.outbox.unacked)
    try:
        if not ctx.room.isconnected():
            await ctx.connect()  # an interview that failed before joining still reports
        if await sender.drain():
            log.info("the app has the whole timeline")
    except Exception:
        log.warning("the timeline was not handed over to the app", exc_info=True)
    finally:
        await sender.aclose()


def refuse_job(
    metadata: str,
    sessions_dir: Path,
    exc: MockflowError,
    open_timeline: Callable[[str], EventWriter] | None = None,
) -> None:
    """Say in the session's timeline why this worker cannot run the job, so the app
    reports that instead of waiting for a worker that never comes. `open_timeline` gives
    the session's writer (the job's relays it to the app); by default a local file."""
    log.error("job refused: %s", exc)
    session_id = session_id_of(metadata)
    if session_id is None:
        return
    if open_timeline is None:
        events = EventWriter(sessions_dir / session_id / EVENTS_FILE)
    else:
        events = open_timeline(session_id)
    record_refusal(events, f"The MockFlow worker cannot run this interview: {exc}")


def build_server(settings: Settings) -> AgentServer:
    keys = settings.env_keys
    capacity: dict[str, Any] = {}
    if settings.worker_max_interviews > 0:
        # A count, not the framework's machine-wide CPU reading (0.7 by default), which
        # refuses jobs whenever anything else on the machine is busy.
        limit = settings.worker_max_interviews
        capacity = {
            "load_fnc": lambda server: len(server.active_jobs) / limit,
            "load_threshold": 1.0,
        }
    server = AgentServer(
        ws_url=keys.livekit_url,
        api_key=keys.livekit_api_key,
        api_secret=keys.livekit_api_secret,
        host=HEALTH_HOST,
        port=settings.worker_port,
        setup_fnc=prewarm,
        **capacity,
    )
    server.rtc_session(interview_job, agent_name=settings.worker_name)
    return server


def main(settings: Settings) -> int:
    """Run the worker until it is stopped; 2 with one line on stderr if it cannot start."""
    keys = settings.env_keys
    if not (keys.livekit_url and keys.livekit_api_key and keys.livekit_api_secret):
        print(
            "mockflow-agent: worker mode needs LIVEKIT_URL, LIVEKIT_API_KEY and "
            "LIVEKIT_API_SECRET in the environment",
            file=sys.stderr,
        )
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    install_on_root_handlers()
    return asyncio.run(serve(build_server(settings)))


async def serve(server: AgentServer) -> int:
    """Run until SIGTERM/SIGINT, then drain: running interviews finish, no new job is
    taken. A second signal stops at once."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    running = asyncio.create_task(server.run(devmode=False), name="worker")
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if running.done():
        stopping.cancel()
        return 0 if running.exception() is None else 1
    log.info("draining: running interviews finish, no new ones are taken")
    stop.clear()
    draining = asyncio.create_task(server.drain())
    again = asyncio.create_task(stop.wait())
    await asyncio.wait({draining, again}, return_when=asyncio.FIRST_COMPLETED)
    for task in (draining, again):
        task.cancel()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(server.aclose(), 15)
    return 0
