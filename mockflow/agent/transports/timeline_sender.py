"""The worker's side of the timeline relay (`mockflow.contracts.relay`): send each event
to the app's hidden participant over the room, again until acknowledged, and a beat every
second.

`RelayedEventWriter` is the job's `EventWriter`: it keeps the worker's own copy in the
worker's local data folder (nothing of the app's) and hands every event it appends to the
`Outbox`. `TimelineSender` sends from the job's event loop once the room is connected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from livekit import rtc

from mockflow.contracts.events import EventWriteError, EventWriter
from mockflow.contracts.job import HEARTBEAT_SECONDS
from mockflow.contracts.relay import (
    ACK_TOPIC,
    APP_IDENTITY,
    RESEND_SECONDS,
    TIMELINE_TOPIC,
    Outbox,
)

log = logging.getLogger("mockflow.agent")

DRAIN_SECONDS = 60.0  # at the job's end, how long to wait for the app to have it all


class RelayedEventWriter(EventWriter):
    """Writes the worker's local copy and queues each event for the app."""

    def __init__(self, path: Path, outbox: Outbox) -> None:
        super().__init__(path)
        self.outbox = outbox
        self.sender: TimelineSender | None = None

    def append(self, event: dict[str, Any]) -> bool:
        if self.ended:
            return False
        try:
            written = super().append(event)
        except EventWriteError:
            self._relay(event)  # the app's copy is the one that counts
            raise
        if written:
            self._relay(event)
        return written

    def _relay(self, event: dict[str, Any]) -> None:
        self.outbox.push(event)
        if self.sender is not None:
            self.sender.wake()


class TimelineSender:
    """Sends the outbox's packets into `room` until `aclose`; create it on the job's loop."""

    def __init__(self, room: rtc.Room, outbox: Outbox) -> None:
        self._room = room
        self.outbox = outbox
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._acked = asyncio.Event()
        self._room_over = False
        self._closing = False
        room.on("data_received", self._on_data)
        room.on("disconnected", self._on_disconnected)
        self._task = asyncio.create_task(self._run(), name="timeline-sender")

    def wake(self) -> None:
        """Send what is new now; callable from any thread."""
        self._loop.call_soon_threadsafe(self._wakeup.set)

    def _on_disconnected(self, reason: object = None) -> None:
        self._room_over = True  # left for good (deleted, or the job ends): nothing arrives
        self._acked.set()

    def _on_data(self, packet: rtc.DataPacket) -> None:
        if packet.topic != ACK_TOPIC:
            return
        sender = packet.participant
        identity = None if sender is None else sender.identity
        if self.outbox.on_ack(packet.data, identity):
            self._acked.set()
            self._wakeup.set()  # the window moved
        else:
            log.warning("ignored a timeline ack that is not the app's")

    async def _run(self) -> None:
        next_beat = 0.0
        while not self._closing:
            if self._room.isconnected():
                packets = self.outbox.to_send()
                now = time.monotonic()
                if now >= next_beat:
                    packets.append(self.outbox.beat())
                    next_beat = now + HEARTBEAT_SECONDS
                for packet in packets:
                    if not await self._publish(packet):
                        break
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), min(RESEND_SECONDS, HEARTBEAT_SECONDS))

    async def _publish(self, packet: bytes) -> bool:
        try:
            await self._room.local_participant.publish_data(
                packet, reliable=True, topic=TIMELINE_TOPIC, destination_identities=[APP_IDENTITY]
            )
        except Exception:  # not connected right now: the outbox keeps it for the resend
            log.debug("a timeline packet was not sent", exc_info=True)
            return False
        return True

    async def drain(self, timeout: float = DRAIN_SECONDS) -> bool:
        """Whether the app acknowledged every event within `timeout` s; stops early once
        the room is gone (the app deleted it: it has what it needs, or gave up)."""
        deadline = time.monotonic() + timeout
        while self.outbox.unacked and not self._room_over:
            left = deadline - time.monotonic()
            if left <= 0:
                log.warning("the app did not acknowledge %d timeline events", self.outbox.unacked)
                return False
            self._acked.clear()
            self._wakeup.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._acked.wait(), min(left, RESEND_SECONDS))
        return not self.outbox.unacked

    async def aclose(self) -> None:
        self._room.off("data_received", self._on_data)
        self._room.off("disconnected", self._on_disconnected)
        # a flag, not only `cancel()`: wait_for may swallow a cancellation that comes as
        # the wake-up does (Python 3.11)
        self._closing = True
        self._wakeup.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), 5.0)
        except (TimeoutError, asyncio.CancelledError):
            self._task.cancel()
