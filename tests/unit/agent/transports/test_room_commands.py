"""The worker's command channel: only server-sent packets on the command topic are commands."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from livekit import rtc

from mockflow.agent.controller import InterviewController
from mockflow.agent.transports.room_commands import RoomCommands, command_from_packet
from mockflow.agent.voice import VoiceInterview
from mockflow.contracts.commands import Command
from mockflow.contracts.events import EventWriter
from mockflow.contracts.job import COMMAND_TOPIC
from mockflow.contracts.launch_spec import parse_launch_spec
from mockflow.interview.fsm import build_fsm


@dataclass
class Packet:
    data: bytes
    participant: object | None = None  # None: sent by a server SDK
    topic: str | None = COMMAND_TOPIC


@dataclass
class Participant:
    identity: str = "candidate"


def packet(command: object, **changes: object) -> Packet:
    return Packet(json.dumps(command).encode(), **changes)


def test_server_sent_commands_are_accepted() -> None:
    assert command_from_packet(packet({"type": "user_text", "text": " hi "})) == Command(
        "user_text", text="hi"
    )
    assert command_from_packet(packet({"type": "skip_stage"})) == Command("skip_stage")
    end = command_from_packet(packet({"type": "end", "reason": "timeout"}))
    assert end == Command("end", reason="timeout")


def test_a_participant_cannot_send_commands() -> None:
    forged = packet({"type": "end"}, participant=Participant())
    assert command_from_packet(forged) is None


def test_other_topics_are_not_commands() -> None:
    assert command_from_packet(packet({"type": "end"}, topic="lk.chat")) is None
    assert command_from_packet(packet({"type": "end"}, topic=None)) is None


def test_garbage_is_ignored() -> None:
    for data in (b"", b"not json", b"\xff\xfe", b"[1, 2]", b'{"type": "rm -rf"}'):
        assert command_from_packet(Packet(data)) is None
    assert command_from_packet(packet({"type": "user_text", "text": "  "})) is None


async def test_room_feeds_commands_until_closed() -> None:
    room = rtc.Room()  # never connected (needs a running loop): only its events are used
    with RoomCommands(room) as commands:
        room.emit("data_received", packet({"type": "skip_stage"}))
        room.emit("data_received", packet({"type": "end"}, participant=Participant()))
        room.emit("data_received", packet({"type": "end"}))
        received = [commands.queue.get_nowait() for _ in range(commands.queue.qsize())]
    room.emit("data_received", packet({"type": "skip_stage"}))
    assert received == [Command("skip_stage"), Command("end", reason="user_ended")]
    assert commands.queue.empty()


async def test_an_end_from_the_app_ends_the_voice_interview(tmp_path: Path) -> None:
    spec = parse_launch_spec(
        json.dumps(
            {
                "session_id": "iv_1",
                "session_dir": str(tmp_path),
                "candidate": {"name": "Ada", "role": "Engineer"},
                "providers": {"llm": {"api_key": "sk-test"}},
            }
        )
    )
    events = EventWriter(tmp_path / "events.jsonl")
    controller = InterviewController(spec, build_fsm(spec.track, {}), events)
    room = rtc.Room()
    async with aiohttp.ClientSession() as http:
        voice = VoiceInterview(controller, http_session=http)
        with RoomCommands(room) as commands:
            voice.follow(commands.queue)
            room.emit("data_received", packet({"type": "end"}, participant=Participant()))
            room.emit("data_received", packet({"type": "end", "reason": "timeout"}))
            await asyncio.wait_for(controller.finished.wait(), 2)
        await voice.aclose()
    events.close()
    assert controller.end_reason == "timeout"  # the forged end was not obeyed
