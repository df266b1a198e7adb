"""Contract 2: commands on the agent's stdin, read with ONE asyncio reader from line one on."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from dataclasses import dataclass

log = logging.getLogger("mockflow.agent")

COMMAND_TYPES = frozenset({"user_text", "skip_stage", "end"})
MAX_LINE = 1 << 20  # a launch spec with a 30,000-character resume fits easily


@dataclass(frozen=True)
class Command:
    type: str
    text: str = ""
    reason: str = "user_ended"


async def open_stdin() -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_LINE)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


def parse_command(line: bytes) -> Command | None:
    """A valid command, or None (logged) for a line that is not one."""
    try:
        raw = json.loads(line)
    except ValueError:
        log.warning("ignored a stdin line that is not JSON")
        return None
    if not isinstance(raw, dict) or raw.get("type") not in COMMAND_TYPES:
        log.warning("ignored an unknown command")
        return None
    if raw["type"] == "user_text":
        text = raw.get("text")
        if not isinstance(text, str) or not text.strip():
            log.warning("ignored a user_text command without text")
            return None
        return Command("user_text", text=text.strip())
    if raw["type"] == "end":
        reason = raw.get("reason")
        return Command(
            "end", reason=reason if reason in {"user_ended", "timeout"} else "user_ended"
        )
    return Command(raw["type"])


async def read_commands(reader: asyncio.StreamReader, queue: asyncio.Queue[Command | None]) -> None:
    """Feed `queue` until EOF, then put None (the app is gone)."""
    while True:
        try:
            line = await reader.readline()
        except (asyncio.LimitOverrunError, ValueError):
            log.warning("ignored an over-long stdin line")
            continue
        if not line:
            await queue.put(None)
            return
        if line.strip() and (command := parse_command(line)) is not None:
            await queue.put(command)
