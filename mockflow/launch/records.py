"""What the supervisor writes into a session directory: the pid file and the final events.

`agent.pid` ties a session to its agent process (pid + create time + marker) and to the
app process that owns it, so a later app instance can verify an orphan before stopping
it. The final events close a timeline whose writer died; the caller must have confirmed
the writer is dead, because `events.jsonl` has a single writer at any time.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from mockflow.contracts.events import EVENTS_FILE, EventWriteError, EventWriter, read_timeline
from mockflow.private_files import write_private

PID_FILE = "agent.pid"

log = logging.getLogger("mockflow.launch")


@dataclass(frozen=True)
class PidRecord:
    """Identity of an agent process and of the app process that started it."""

    pid: int
    create_time: float
    marker: str
    owner_pid: int
    owner_create_time: float


def write_pid_file(session_dir: Path, record: PidRecord) -> Path:
    path = Path(session_dir) / PID_FILE
    write_private(path, json.dumps(asdict(record)))
    return path


def read_pid_file(path: Path) -> PidRecord | None:
    """The record in `path`, or None if it is missing or malformed."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return PidRecord(
            pid=int(raw["pid"]),
            create_time=float(raw["create_time"]),
            marker=str(raw["marker"]),
            owner_pid=int(raw.get("owner_pid", 0)),
            owner_create_time=float(raw.get("owner_create_time", 0.0)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove_pid_file(session_dir: Path) -> None:
    (Path(session_dir) / PID_FILE).unlink(missing_ok=True)


def ended_reason(events_path: Path) -> str | None:
    """The reason of the `ended` event in the file, if the session has one."""
    return read_timeline(events_path).ended_reason


def close_timeline(
    session_dir: Path,
    reason: str,
    *,
    error_message: str | None = None,
    clock: Callable[[], float] = time.time,
) -> bool:
    """Append `error` (if given) and `ended` unless the timeline already ended.

    Returns whether anything was written. A trailing partial line (a writer killed
    mid-line) is dropped first, so the appended lines stay valid JSON lines.
    """
    path = Path(session_dir) / EVENTS_FILE
    if ended_reason(path) is not None:
        return False
    drop_partial_line(path)
    writer = EventWriter(path, clock=clock)
    try:
        if error_message is not None:
            writer.write("error", message=error_message, fatal=True, by="supervisor")
        writer.write("ended", reason=reason, by="supervisor")
    finally:
        writer.close()
    return True


def close_timeline_of(session_id: str, session_dir: Path, reason: str, message: str | None) -> bool:
    """`close_timeline` for a runner giving up on a session: a data folder that stopped
    being writable is logged and the session still ends (its slot is freed). True when
    the end was written here (or could not be written at all)."""
    try:
        return close_timeline(session_dir, reason, error_message=message)
    except (OSError, EventWriteError) as exc:  # opening it, or appending to it
        problem = exc.strerror if isinstance(exc, OSError) else str(exc)
        log.error("session %s: couldn't write the end of its timeline: %s", session_id, problem)
        return True


def drop_partial_line(path: Path) -> None:
    """Truncate `path` after its last newline (a no-op if it ends with one or is absent)."""
    try:
        with open(path, "r+b") as f:
            data = f.read()
            if not data or data.endswith(b"\n"):
                return
            f.truncate(data.rfind(b"\n") + 1)
    except FileNotFoundError:
        return
