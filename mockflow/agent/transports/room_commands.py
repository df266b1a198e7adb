"""Contract 2 over the room's data channel: the app's commands to a dispatched interviewer.

In dispatch mode the app has no stdin to write to: it sends each command with the
LiveKit server API (`RoomService.SendData`, topic `COMMAND_TOPIC`). Everyone in the room
can publish data, the candidate's browser included, so only packets that no participant
sent are commands: livekit's `rtc.DataPacket.participant` is None for data sent by a
server SDK, while the server stamps every participant's packet with its sender.
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType
from typing import Protocol

from livekit import rtc

from mockflow.contracts.commands import Command, parse_command
from mockflow.contracts.job import COMMAND_TOPIC

log = logging.getLogger("mockflow.agent")


class Packet(Protocol):
    """What this module reads of an `rtc.DataPacket`."""

    data: bytes
    participant: object | None
    topic: str | None


def command_from_packet(packet: Packet) -> Command | None:
    """The command a server-sent packet on `COMMAND_TOPIC` carries, else None."""
    if packet.topic != COMMAND_TOPIC:
        return None
    if packet.participant is not None:
        log.warning("ignored a command packet sent by a participant")
        return None
    return parse_command(packet.data)


class RoomCommands:
    """Feeds the room's server-sent commands into `queue` until closed (a context manager)."""

    def __init__(self, room: rtc.Room) -> None:
        self.queue: asyncio.Queue[Command | None] = asyncio.Queue()
        self._room = room
        room.on("data_received", self.on_data)

    def on_data(self, packet: Packet) -> None:
        command = command_from_packet(packet)
        if command is not None:
            log.info("command from the app: %s", command.type)
            self.queue.put_nowait(command)

    def close(self) -> None:
        self._room.off("data_received", self.on_data)

    def __enter__(self) -> RoomCommands:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
