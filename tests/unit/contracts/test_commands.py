"""Contract 2 as the interviewer reads it: a typed answer reaches it trimmed, an `end`
keeps its reason and a short message, and any line that is not a command is dropped
without stopping the reader; end of input means the app is gone."""

from __future__ import annotations

import asyncio
import json

import pytest

from mockflow.contracts.commands import MAX_END_MESSAGE, Command, parse_command, read_commands


def _line(**fields: object) -> bytes:
    return json.dumps(fields).encode() + b"\n"


def test_a_typed_answer_arrives_trimmed() -> None:
    command = parse_command(_line(type="user_text", text="  I led the migration.\n"))
    assert command == Command("user_text", text="I led the migration.")


@pytest.mark.parametrize(
    "line",
    [
        b"not json\n",
        b"[1, 2]\n",
        _line(type="shutdown"),
        _line(type="user_text"),
        _line(type="user_text", text="   "),
        _line(type="user_text", text=42),
    ],
)
def test_a_line_that_is_not_a_command_is_dropped(line: bytes) -> None:
    assert parse_command(line) is None


def test_an_end_keeps_its_reason_and_only_an_error_carries_a_message() -> None:
    assert parse_command(_line(type="end")) == Command("end", reason="user_ended")
    assert parse_command(_line(type="end", reason="timeout", message="x")) == Command(
        "end", reason="timeout"
    )
    assert parse_command(_line(type="end", reason="made_up")) == Command("end")
    failed = parse_command(_line(type="end", reason="error", message=" x" * 400))
    assert failed is not None and failed.reason == "error"
    assert len(failed.text) == MAX_END_MESSAGE and failed.text.startswith("x")


def test_skip_stage_needs_nothing_else() -> None:
    assert parse_command(_line(type="skip_stage", text="ignored")) == Command("skip_stage")


async def test_the_reader_skips_bad_and_over_long_lines_and_ends_at_eof() -> None:
    reader = asyncio.StreamReader(limit=64)
    for chunk in (
        _line(type="user_text", text="first"),
        b"\n",
        b"garbage\n",
        b'{"type": "user_text", "text": "' + b"y" * 200 + b'"}\n',  # over the limit
        _line(type="skip_stage"),
    ):
        reader.feed_data(chunk)
    reader.feed_eof()
    queue: asyncio.Queue[Command | None] = asyncio.Queue()
    await asyncio.wait_for(read_commands(reader, queue), timeout=5)
    received = [queue.get_nowait() for _ in range(queue.qsize())]
    assert received == [Command("user_text", text="first"), Command("skip_stage"), None]
