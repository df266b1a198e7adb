"""Contract 2: commands on the agent's stdin, read with ONE asyncio reader from line one on."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from dataclasses import dataclass

log = logging.getLogger("mockflow.agent")

COMMAND_TYPES = frozenset({"user_text", "skip_stage", "end"})
# What the app relays on a visitor's behalf; `end` has its own call, so it is never relayed.
RELAYED_COMMANDS = frozenset({"user_text", "skip_stage"})
END_REASONS = frozenset({"user_ended", "timeout", "error"})
MAX_END_MESSAGE = 300
MAX_LINE = 1 << 20  # a launch spec with a 30,000-character resume fits easily


@dataclass(frozen=True)
class Command:
    type: str
    text: str = ""  # the answer of `user_text`; the error message of an `end` in error
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
        if reason not in END_REASONS:
            reason = "user_ended"
        # reason "error" carries the app's explanation (e.g. the browser could not connect)
        message = raw.get("message") if reason == "error" else None
        text = message.strip()[:MAX_END_MESSAGE] if isinstance(message, str) else ""
        return Command("end", text=text, reason=reason)
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
