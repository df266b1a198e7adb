"""The `room` transport: one voice interview in one LiveKit room (no worker, no dispatch).

Order matters: connect first, under one overall timeout (a silent server would otherwise
hold the process for ~30 s), then start the session on the room, announce `ready` (the
supervisor's handshake), wait for the candidate, greet and run. The candidate leaving
ends the interview with `user_ended`; losing the server ends it with an error. The
worker (scale-out mode) reuses `interview_in_room` on the room its job gives it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import aiohttp
from livekit import rtc
from livekit.agents.voice import room_io

from mockflow.agent.controller import InterviewController
from mockflow.agent.voice import VoiceInterview
from mockflow.errors import TransportError

log = logging.getLogger("mockflow.agent")
# A page refresh re-joins within it even on a slow machine or network (the page, then
# the voice library, then the room). Under LiveKit's departure timeout (20 s by default:
# the server closes a room that long after its last non-agent participant left), so the
# interview ends as the candidate's leaving, not as a lost connection.
REJOIN_GRACE_SECONDS = 15.0
RECONNECT_GIVE_UP_SECONDS = 8.0  # our own link to the server: ended in error past this
LOST_SERVER = "The connection to the LiveKit server was lost."


async def run_room_interview(
    controller: InterviewController, reader: asyncio.StreamReader | None
) -> str:
    """Connect, interview, disconnect; return the `ended` reason. Raises `TransportError`."""
    config = controller.spec.livekit
    assert config is not None
    room = rtc.Room()
    try:
        async with aiohttp.ClientSession() as http:
            voice = VoiceInterview(controller, http_session=http)
            if reader is not None:
                voice.listen(reader)  # from the start: an `end` while connecting counts
            try:
                if not await connect_unless_ended(room, controller, config.connect_timeout):
                    return controller.end_reason or "user_ended"
                return await interview_in_room(voice, room)
            finally:
                await voice.aclose()  # every plugin is closed before the HTTP session
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(room.disconnect(), timeout=5)


async def connect_unless_ended(
    room: rtc.Room, controller: InterviewController, timeout: float
) -> bool:
    """Connect to the spec's room; False if the interview was ended while connecting."""
    config = controller.spec.livekit
    assert config is not None
    connecting = asyncio.ensure_future(connect(room, config.url, config.token, timeout=timeout))
    ended = asyncio.ensure_future(controller.finished.wait())
    try:
        await asyncio.wait({connecting, ended}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        ended.cancel()
    if connecting.done():
        connecting.result()  # raises the connection's TransportError
        return not controller.finished.is_set()
    connecting.cancel()
    with contextlib.suppress(asyncio.CancelledError, TransportError):
        await connecting
    log.info("ended while connecting to the room")
    return False


async def connect(room: rtc.Room, url: str, token: str, *, timeout: float) -> None:
    where = urlparse(url).netloc or url
    try:
        await asyncio.wait_for(room.connect(url, token), timeout)
    except TimeoutError:
        raise TransportError(
            f"The LiveKit server at {where} did not answer within {timeout:g} s."
        ) from None
    except rtc.ConnectError as exc:
        detail = exc.message.lower()
        if "401" in detail or "unauthorized" in detail or "token" in detail:
            reason = "rejected the interviewer's access token. Check the LiveKit key and secret."
        else:
            reason = "could not be reached. Check the LiveKit URL in Settings."
        raise TransportError(f"The LiveKit server at {where} {reason}") from None
    log.info("connected to the room")


async def interview_in_room(voice: VoiceInterview, room: rtc.Room) -> str:
    """Run the interview on a connected room; return the `ended` reason."""
    controller = voice.controller
    config = controller.spec.livekit
    assert config is not None
    session, agent = voice.build()
    presence = CandidatePresence(
        room, config.candidate_identity, controller, on_return=voice.welcome_back
    )
    options = room_io.RoomOptions(
        participant_identity=config.candidate_identity,
        close_on_disconnect=False,  # CandidatePresence ends it, with the right reason
        text_input=room_io.TextInputOptions(
            text_input_cb=lambda _session, event: voice.typed_answer(event.text)
        ),
        audio_input=voice.audio.input_options(),
        audio_output=voice.audio.output_options(),
    )
    try:
        await session.start(agent, room=room, room_options=options)
        voice.audio.tune_output(session)
        controller.announce_ready()
        if not await presence.wait_for_candidate(config.join_timeout):
            if controller.finished.is_set():
                return controller.end_reason or "user_ended"
            message = f"The candidate did not join the room within {config.join_timeout:g} s."
            controller.fail(message, "timeout")
            return "timeout"
        log.info("candidate joined")
        return await voice.conduct()
    finally:
        presence.close()


class CandidatePresence:
    """Watches the room for the candidate joining and leaving, and for the server going away.

    A candidate who leaves has `rejoin_grace` seconds to come back (a page refresh, a
    dropped network) before the interview ends with `user_ended`; `on_return` runs when
    they do. While the agent's own connection is reconnecting, everyone seems to leave:
    that is not the candidate leaving, and a reconnection that has not succeeded after
    `give_up` seconds ends the interview in error."""

    def __init__(
        self,
        room: rtc.Room,
        identity: str,
        controller: InterviewController,
        *,
        rejoin_grace: float = REJOIN_GRACE_SECONDS,
        give_up: float = RECONNECT_GIVE_UP_SECONDS,
        on_return: Callable[[], None] | None = None,
    ) -> None:
        self._room = room
        self._identity = identity
        self._controller = controller
        self._grace = rejoin_grace
        self._on_return = on_return
        self._give_up = give_up
        self._leaving: asyncio.TimerHandle | None = None
        self._reconnecting: asyncio.TimerHandle | None = None
        self.joined = asyncio.Event()
        self._handlers: dict[Any, Callable[..., None]] = {
            "participant_connected": self._on_connected,
            "participant_disconnected": self._on_disconnected,
            "disconnected": self._on_room_disconnected,
            "reconnecting": self._on_reconnecting,
            "reconnected": self._on_reconnected,
        }
        for event, handler in self._handlers.items():
            room.on(event, handler)
        if any(p.identity == identity for p in room.remote_participants.values()):
            self.joined.set()

    async def wait_for_candidate(self, timeout: float) -> bool:
        """True once the candidate is in the room; False on timeout or if the interview ended."""
        waits = {
            asyncio.ensure_future(self.joined.wait()),
            asyncio.ensure_future(self._controller.finished.wait()),
        }
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waits:
                waiter.cancel()
        return self.joined.is_set() and not self._controller.finished.is_set()

    @property
    def away(self) -> bool:
        """The candidate left and may still come back."""
        return self._leaving is not None

    def close(self) -> None:
        for timer in (self._leaving, self._reconnecting):
            if timer is not None:
                timer.cancel()
        for event, handler in self._handlers.items():
            self._room.off(event, handler)

    def _on_connected(self, participant: rtc.RemoteParticipant) -> None:
        if participant.identity != self._identity:
            return
        self.joined.set()
        if self._leaving is not None:
            self._leaving.cancel()
            self._leaving = None
            log.info("candidate is back in the room")
            if self._on_return is not None and not self._controller.finished.is_set():
                self._on_return()

    def _on_disconnected(self, participant: rtc.RemoteParticipant) -> None:
        if participant.identity != self._identity or not self.joined.is_set():
            return
        if self._reconnecting is not None:
            return  # our side of the link is down, not necessarily theirs
        self._start_grace()

    def _start_grace(self) -> None:
        if self._leaving is None and not self._controller.finished.is_set():
            log.info("candidate left the room; ending in %.0f s unless they return", self._grace)
            loop = asyncio.get_running_loop()
            self._leaving = loop.call_later(self._grace, self._left_for_good)

    def _left_for_good(self) -> None:
        self._leaving = None
        log.info("candidate did not come back")
        self._controller.end("user_ended")

    def _on_reconnecting(self) -> None:
        if self._reconnecting is None and not self._controller.finished.is_set():
            log.warning("lost the LiveKit server; reconnecting")
            loop = asyncio.get_running_loop()
            self._reconnecting = loop.call_later(self._give_up, self._lost_server)

    def _on_reconnected(self) -> None:
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            self._reconnecting = None
            log.info("reconnected to the LiveKit server")
        if self.joined.is_set() and not self._candidate_here():
            self._start_grace()  # they really left while we were away

    def _candidate_here(self) -> bool:
        return any(p.identity == self._identity for p in self._room.remote_participants.values())

    def _on_room_disconnected(self, reason: object = None) -> None:
        self._lost_server()

    def _lost_server(self) -> None:
        self._reconnecting = None
        self._controller.fail(LOST_SERVER)
