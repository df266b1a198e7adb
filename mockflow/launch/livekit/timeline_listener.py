"""The app's hidden participant in a dispatched interview's room: it receives the worker's
timeline (`mockflow.contracts.relay`) and is the one writer of the app's `events.jsonl`.

It joins as `APP_IDENTITY`, hidden (neither the candidate's browser nor the interviewer
sees it) and subscribed to no track; it acknowledges each packet to its sender only, and
rewrites the session's heartbeat file with each worker beat, so `presence` notices a
worker gone as before. It keeps rejoining until closed: a LiveKit server that cannot be
reached now only delays the timeline, which the worker keeps until acknowledged.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from pathlib import Path

from livekit import rtc

from mockflow.contracts.events import EVENTS_FILE, EventWriter
from mockflow.contracts.job import HEARTBEAT_FILE
from mockflow.contracts.relay import (
    ACK_TOPIC,
    TIMELINE_TOPIC,
    Inbox,
    next_seq_of,
    session_key,
)
from mockflow.launch.livekit.dispatch import LiveKitCredentials
from mockflow.launch.livekit.loop_thread import LoopThread
from mockflow.launch.livekit.tokens import app_listener_token
from mockflow.private_files import write_private

log = logging.getLogger("mockflow.launch.livekit.timeline")

CALL_SECONDS = 30.0
REJOIN_SECONDS = 2.0
_AGENT = rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
_ROOM_OVER = (rtc.DisconnectReason.ROOM_DELETED, rtc.DisconnectReason.ROOM_CLOSED)


class TimelineListener:
    """Follows one room until `aclose`; use it on one event loop."""

    def __init__(
        self, credentials: LiveKitCredentials, room: str, session_id: str, session_dir: Path
    ) -> None:
        self._credentials = credentials
        self._room_name = room
        self.session_id = session_id
        self._session_dir = session_dir
        events_path = session_dir / EVENTS_FILE
        next_seq = next_seq_of(events_path)
        self._writer = EventWriter(events_path)
        self.inbox = Inbox(
            session_id,
            session_key(credentials.api_secret, session_id),
            self._writer.append,
            next_seq=next_seq,
            on_beat=self._on_beat,
        )
        self._room: rtc.Room | None = None
        self._task: asyncio.Task[None] | None = None
        self._acks: set[asyncio.Task[None]] = set()
        self.connected = asyncio.Event()

    def start(self) -> None:
        """Begin joining, in the background, on the running loop."""
        self._task = asyncio.create_task(self._follow(), name=f"timeline-{self.session_id}")

    async def _follow(self) -> None:
        while await self._stay():
            await asyncio.sleep(REJOIN_SECONDS)

    async def _stay(self) -> bool:
        """Join once and stay until disconnected; False once the room is over."""
        room = rtc.Room()
        room.on("data_received", self._on_data)
        gone: asyncio.Future[object] = asyncio.get_running_loop().create_future()

        def on_disconnected(reason: object = None) -> None:
            if not gone.done():
                gone.set_result(reason)

        room.on("disconnected", on_disconnected)
        try:
            token = app_listener_token(
                self._credentials.api_key, self._credentials.api_secret, self._room_name
            )
            await room.connect(self._credentials.url, token, rtc.RoomOptions(auto_subscribe=False))
        except asyncio.CancelledError:
            _forget_connect(room)
            raise
        except Exception as exc:  # the SDK raises its own ConnectError and others
            log.info("session %s: timeline not joined yet (%s)", self.session_id, type(exc))
            return True
        self._room = room
        self.connected.set()
        log.info("session %s: following the worker's timeline", self.session_id)
        try:
            reason = await gone
        finally:
            self.connected.clear()
            self._room = None
        return reason not in _ROOM_OVER  # rejoining would create the room again

    def _on_data(self, packet: rtc.DataPacket) -> None:
        if packet.topic != TIMELINE_TOPIC:
            return
        sender = packet.participant
        from_agent = (
            sender is not None and sender.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
        )
        try:
            ack = self.inbox.receive(
                packet.data, None if sender is None else sender.identity, from_agent=from_agent
            )
        except Exception:  # the app's disk refused it: no ack, the worker sends it again
            log.warning("session %s: a timeline event not written", self.session_id)
            return
        if ack is not None and sender is not None and self._room is not None:
            task = asyncio.create_task(self._send_ack(self._room, ack, sender.identity))
            self._acks.add(task)
            task.add_done_callback(self._acks.discard)

    async def _send_ack(self, room: rtc.Room, ack: bytes, identity: str) -> None:
        with contextlib.suppress(Exception):  # lost: the worker sends again and is re-acked
            await room.local_participant.publish_data(
                ack, reliable=True, topic=ACK_TOPIC, destination_identities=[identity]
            )

    def _on_beat(self, beat: int) -> None:
        with contextlib.suppress(OSError):
            write_private(self._session_dir / HEARTBEAT_FILE, str(beat))

    async def aclose(self) -> None:
        """Write nothing more; send the acks still due, then leave the room."""
        self.inbox.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._acks:
            await asyncio.wait(set(self._acks), timeout=2.0)
        if self._room is not None:
            with contextlib.suppress(Exception):
                await self._room.disconnect()
            self._room = None
        self._writer.close()


def _forget_connect(room: rtc.Room) -> None:
    """A connect cancelled half-way leaves the room's FFI event queue subscribed (the SDK
    unsubscribes it only on a connect error): every later FFI event would pile up in it."""
    queue = getattr(room, "_ffi_queue", None)
    if queue is not None:
        with contextlib.suppress(Exception):
            from livekit.rtc._ffi_client import FfiClient

            FfiClient.instance.queue.unsubscribe(queue)


class TimelineListeners:
    """The Dispatcher's listeners, one per followed interview, on its private loop."""

    def __init__(self, credentials: LiveKitCredentials, loop: LoopThread) -> None:
        self._credentials = credentials
        self._loop = loop
        self._lock = threading.Lock()
        self._listeners: dict[str, TimelineListener] = {}

    def follow(self, session_id: str, session_dir: Path, room: str) -> None:
        """Join `room` as the app's hidden participant, in the background."""

        async def follow() -> TimelineListener:
            listener = TimelineListener(self._credentials, room, session_id, session_dir)
            listener.start()
            return listener

        try:
            listener = self._loop.run(follow(), CALL_SECONDS)
        except (TimeoutError, concurrent.futures.CancelledError, OSError) as exc:
            log.warning("session %s: timeline not followed: %r", session_id, exc)
            return
        with self._lock:
            self._listeners[session_id] = listener

    def unfollow(self, session_id: str) -> None:
        """Stop writing the timeline (before the app closes it itself) and leave."""
        with self._lock:
            listener = self._listeners.pop(session_id, None)
        if listener is None:
            return
        try:
            self._loop.run(listener.aclose(), CALL_SECONDS)
        except Exception:
            log.debug("session %s: leaving the timeline failed", session_id, exc_info=True)

    def close_all(self) -> None:
        with self._lock:
            following = list(self._listeners)
        for session_id in following:
            self.unfollow(session_id)
