"""Contract 3: the `events.jsonl` timeline of one interview.

The agent process is the single writer (`EventWriter`); the app follows the file with an
`EventTail` that keeps a byte offset, and offline tools read it whole with `read_events`.
Whatever a reader wants to know from the events (ready yet? ended, and why? the last
error, the current stage, the committed turns) comes from the one fold, `Timeline`.
`draft` events carry the interviewer's reply while it is being generated (pieces of one
reply share a `reply` number); the committed `turn` that follows replaces them.
Each line is written whole (or not at all, when the disk refuses it) and flushed; readers
skip a trailing partial line.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockflow.errors import MockflowError
from mockflow.private_files import make_private_dir, open_private

log = logging.getLogger(__name__)

EVENTS_FILE = "events.jsonl"
EVENT_TYPES = frozenset(
    {"ready", "stage", "turn", "draft", "state", "metrics", "error", "usage", "ended"}
)
# the `usage` event's figures (each a number, or None when nothing reported it)
USAGE_FIELDS = ("llm_input_tokens", "llm_output_tokens", "tts_characters", "stt_audio_seconds")
END_REASONS = frozenset({"completed", "user_ended", "timeout", "error", "app_gone", "interrupted"})
# Durable types are fsynced: losing one of them to a power cut would lose the transcript.
_DURABLE = frozenset({"turn", "stage", "error", "ended"})


class EventFileError(MockflowError):
    """An events file is missing or has a malformed line before its end."""


class EventWriteError(MockflowError):
    """An event could not be appended (a full, over-quota or read-only disk); nothing of
    its line was kept. The message is what the candidate reads."""

    def __init__(self, message: str, errno_: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno_

    @classmethod
    def of(cls, exc: OSError) -> EventWriteError:
        return cls(storage_problem(exc), exc.errno)

    @property
    def out_of_space(self) -> bool:
        return self.errno in OUT_OF_SPACE


OUT_OF_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})
# the agent process's exit status when not even its `ended` line could be written
EXIT_TIMELINE_UNWRITABLE = 3
NOT_SAVED_NO_SPACE = "Not saved: the server is out of space."


def storage_problem(exc: OSError) -> str:
    """A failed write in words a candidate understands (no path)."""
    if exc.errno in OUT_OF_SPACE:
        return NOT_SAVED_NO_SPACE
    return f"Not saved: the server can't write its data right now ({exc.strerror})."


class EventWriter:
    """Appends events as single JSON lines; thread-safe; refuses to write after `ended`.

    A line is appended whole or not at all: a write that fails part-way (ENOSPC, EDQUOT,
    EROFS) is cut back off the file, and `EventWriteError` is raised. The first such
    failure is also passed to `on_fault` (the agent stops the interview there); later
    writes still try, since a short `error` line may fit where a long turn did not."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        make_private_dir(self.path.parent)
        self._clock = clock
        self._lock = threading.Lock()
        self._fd: int | None = open_private(self.path)
        self._clean_end: int | None = None  # a cut-back that failed: redo it first
        self.ended = False
        self.fault: EventWriteError | None = None
        self.on_fault: Callable[[EventWriteError], None] | None = None

    def write(self, type: str, **fields: Any) -> dict[str, Any]:
        if type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {type!r}")
        event = {"t": round(self._clock(), 3), "type": type, **fields}
        self.append(event)
        return event

    def append(self, event: dict[str, Any]) -> bool:
        """Append one whole event, built by `write` or relayed from a dispatch worker;
        False (nothing written) once `ended` was. Raises `EventWriteError` like `write`."""
        type = event.get("type")
        line = json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            if self.ended or self._fd is None:
                return False
            try:
                self._append(self._fd, line.encode("utf-8"), durable=type in _DURABLE)
            except OSError as exc:
                error, first = EventWriteError.of(exc), self.fault is None
                self.fault = error
            else:
                if type == "ended":
                    self.ended = True
                return True
        log.error("couldn't append a %s event to %s: %s", type, self.path, error)
        if first and self.on_fault is not None:
            self.on_fault(error)
        raise error

    def _append(self, fd: int, data: bytes, *, durable: bool) -> None:
        if self._clean_end is not None:
            os.ftruncate(fd, self._clean_end)
            self._clean_end = None
        start = os.fstat(fd).st_size  # the single writer: nothing else appends meanwhile
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        except OSError:
            try:
                os.ftruncate(fd, start)
            except OSError:
                self._clean_end = start
            raise

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


class EventTail:
    """Reads only the lines appended since the last call (keeps a byte offset)."""

    def __init__(self, path: Path, offset: int = 0) -> None:
        self.path = Path(path)
        self.offset = offset

    def read_new(self) -> list[dict[str, Any]]:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except FileNotFoundError:
            return []
        end = chunk.rfind(b"\n")
        if end < 0:
            return []
        self.offset += end + 1
        return [event for event in _parse_lines(chunk[: end + 1], strict=False)]


@dataclass
class Timeline:
    """The state of one interview as its events tell it, folded one event at a time."""

    ready: dict[str, Any] | None = None
    ended: dict[str, Any] | None = None
    stage: str | None = None
    stage_t: float | None = None  # when the current stage began
    stages: list[str] = field(default_factory=list)  # every stage reached, in order
    agent_state: str | None = None  # listening, thinking, speaking (voice)
    turns: list[dict[str, Any]] = field(default_factory=list)
    draft: str = ""  # the interviewer's reply so far, until its turn is committed
    draft_reply: object = None  # which reply the draft belongs to
    draft_done: bool = False  # that reply's turn is committed: late pieces are ignored
    errors: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, Any] | None = None  # what the providers were used for (at the end)
    first_t: float | None = None
    last_t: float | None = None

    @classmethod
    def of(cls, events: Iterable[dict[str, Any]]) -> Timeline:
        timeline = cls()
        timeline.extend(events)
        return timeline

    def extend(self, events: Iterable[dict[str, Any]]) -> None:
        for event in events:
            self.apply(event)

    def apply(self, event: dict[str, Any]) -> None:
        """Folds one event in; anything after the first `ended` is ignored, as the writer does."""
        if self.ended is not None:
            return
        kind = event.get("type")
        if isinstance(event.get("t"), int | float):
            self.last_t = float(event["t"])
            if self.first_t is None:
                self.first_t = self.last_t
        if kind == "ready" and self.ready is None:
            self.ready = event
        elif kind == "stage" and isinstance(event.get("stage"), str):
            self.stage, self.stage_t = event["stage"], _time(event)
            if self.stage not in self.stages:
                self.stages.append(self.stage)
        elif kind == "state" and isinstance(event.get("agent_state"), str):
            self.agent_state = event["agent_state"]
        elif kind == "turn":
            self.turns.append(event)
            if event.get("role") == "interviewer":
                self.draft, self.draft_done = "", True
        elif kind == "draft" and isinstance(event.get("delta"), str):
            if event.get("reply") != self.draft_reply:
                self.draft, self.draft_reply, self.draft_done = "", event.get("reply"), False
            if not self.draft_done:
                self.draft += event["delta"]
        elif kind == "error":
            self.errors.append(event)
        elif kind == "usage":
            self.usage = {k: v for k, v in event.items() if k not in ("t", "type")}
        elif kind == "ended":
            self.ended = event

    @property
    def ended_reason(self) -> str | None:
        return None if self.ended is None else str(self.ended.get("reason") or "error")

    @property
    def last_error(self) -> str | None:
        return str(self.errors[-1].get("message") or "") if self.errors else None

    @property
    def fatal_error(self) -> str | None:
        """The message of the last fatal error: why the interview stopped, if it failed."""
        fatal = [e for e in self.errors if e.get("fatal")]
        return str(fatal[-1].get("message") or "") if fatal else None


class TimelineFollower:
    """Follows a growing events file: each `poll` reads the new lines and folds them in."""

    def __init__(self, path: Path, offset: int = 0) -> None:
        self.tail = EventTail(path, offset)
        self.timeline = Timeline()

    @property
    def offset(self) -> int:
        return self.tail.offset

    def poll(self) -> list[dict[str, Any]]:
        new = self.tail.read_new()
        self.timeline.extend(new)
        return new


def _time(event: dict[str, Any]) -> float | None:
    t = event.get("t")
    return float(t) if isinstance(t, int | float) and not isinstance(t, bool) else None


def read_timeline(path: Path) -> Timeline:
    """The fold of a whole events file (a session folder or the file), tolerant of bad lines."""
    path = Path(path)
    if path.is_dir():
        path = path / EVENTS_FILE
    return Timeline.of(EventTail(path).read_new())


def read_events(path: Path) -> list[dict[str, Any]]:
    """All events of a file; a partial trailing line is skipped, a bad middle line is an error."""
    path = Path(path)
    if path.is_dir():
        path = path / EVENTS_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise EventFileError(f"no events file in {_where(path)}") from None
    except OSError as exc:
        raise EventFileError(f"cannot read the events of {_where(path)}: {exc.strerror}") from None
    end = data.rfind(b"\n")
    complete, tail = data[: end + 1], data[end + 1 :]
    events = list(_parse_lines(complete, strict=True, source=_where(path)))
    if tail.strip():
        try:
            event = json.loads(tail)
        except ValueError:
            event = None  # a line the writer had not finished: skipped by contract
        if isinstance(event, dict) and "type" in event:
            events.append(event)
    return events


def _where(path: Path) -> str:
    """The session folder's name, never the server's path: these messages reach users."""
    return f"session {path.parent.name}"


def _parse_lines(data: bytes, *, strict: bool, source: str = "") -> Iterator[dict[str, Any]]:
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            event = json.loads(raw)
        except ValueError:
            event = None
        if not isinstance(event, dict) or "type" not in event:
            if strict:
                raise EventFileError(f"{source}: events line {number} is not a valid event")
            continue
        yield event
